// HTML escaping for pages that show user text: everything that could open a tag, an attribute or an
// entity is written as an entity, so `<script>` typed by a user is shown as text.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
