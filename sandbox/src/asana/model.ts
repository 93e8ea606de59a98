// How the Asana stand-in writes its resources: full and compact records as Asana returns them,
// opt_fields selection, offset pagination, Asana's error bodies, and rich-text (html_notes) checks.
import type {
  AsanaProject,
  AsanaSection,
  AsanaStore,
  AsanaStory,
  AsanaTag,
  AsanaTask,
  AsanaUser,
  AsanaWebhook,
} from '../state';

export type Json = Record<string, unknown>;

const HELP =
  'For more information on API status codes and how to handle them, read the docs on errors: https://developers.asana.com/docs/errors';

/** An Asana error reply: {errors: [{message, help}]} with its HTTP status. */
export class AsanaError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Json {
    return {
      errors: [
        { message: this.message, help: HELP, ...(this.status >= 500 ? { phrase: '6 sad squid snuggle softly' } : {}) },
      ],
    };
  }
}

export const notFound = (ref: string) => new AsanaError(404, `Unknown object: ${ref}`);
export const badRequest = (message: string) => new AsanaError(400, message);

// ---------------------------------------------------------------- records

export const userCompact = (u: AsanaUser) => ({ gid: u.gid, name: u.name, resource_type: 'user' });
export const projectCompact = (p: AsanaProject) => ({ gid: p.gid, name: p.name, resource_type: 'project' });
export const sectionCompact = (s: AsanaSection) => ({ gid: s.gid, name: s.name, resource_type: 'section' });
export const tagCompact = (t: AsanaTag) => ({ gid: t.gid, name: t.name, resource_type: 'tag' });
export const taskCompact = (t: AsanaTask) => ({
  gid: t.gid,
  name: t.name,
  resource_type: 'task',
  resource_subtype: 'default_task',
});

function userRef(store: AsanaStore, gid: string | null): Json | null {
  const user = gid ? store.users.get(gid) : undefined;
  return user ? userCompact(user) : gid ? { gid, resource_type: 'user' } : null;
}

function customFieldsJson(values: Record<string, unknown>): Json[] {
  return Object.entries(values).map(([gid, value]) => {
    const type = typeof value === 'number' ? 'number' : 'text';
    return {
      gid,
      resource_type: 'custom_field',
      name: `Custom field ${gid}`,
      type,
      resource_subtype: type,
      display_value: value === null ? null : String(value),
      ...(type === 'number' ? { number_value: value } : { text_value: value }),
    };
  });
}

export function taskJson(store: AsanaStore, t: AsanaTask, baseUrl: string): Json {
  const workspace = store.workspaces.get(t.workspaceGid);
  const projects = t.memberships.map((m) => store.projects.get(m.projectGid)).filter((p): p is AsanaProject => !!p);
  return {
    gid: t.gid,
    resource_type: 'task',
    name: t.name,
    resource_subtype: 'default_task',
    assignee: userRef(store, t.assigneeGid),
    assignee_status: 'inbox',
    completed: t.completed,
    completed_at: t.completedAt,
    completed_by: userRef(store, t.completedByGid),
    created_at: t.createdAt,
    created_by: { gid: t.createdByGid, resource_type: 'user' },
    custom_fields: customFieldsJson(t.customFields),
    dependencies: [],
    dependents: [],
    due_at: t.dueAt,
    due_on: t.dueOn,
    start_at: null,
    start_on: null,
    // Asana returns external only when it is set.
    ...(t.external ? { external: t.external } : {}),
    followers: t.followerGids.map((gid) => userRef(store, gid)),
    hearted: false,
    hearts: [],
    html_notes: t.htmlNotes,
    is_rendered_as_separator: false,
    liked: false,
    likes: [],
    memberships: t.memberships.flatMap((m) => {
      const project = store.projects.get(m.projectGid);
      const section = store.sections.get(m.sectionGid);
      return project && section ? [{ project: projectCompact(project), section: sectionCompact(section) }] : [];
    }),
    modified_at: t.modifiedAt,
    notes: t.notes,
    num_hearts: 0,
    num_likes: 0,
    num_subtasks: 0,
    parent: null,
    permalink_url: `${baseUrl}/asana/0/${projects[0]?.gid ?? '0'}/${t.gid}`,
    projects: projects.map(projectCompact),
    tags: t.tagGids
      .map((gid) => store.tags.get(gid))
      .filter((tag): tag is AsanaTag => !!tag)
      .map(tagCompact),
    workspace: workspace ? { gid: workspace.gid, name: workspace.name, resource_type: 'workspace' } : null,
  };
}

export function storyJson(store: AsanaStore, s: AsanaStory): Json {
  const task = store.tasks.get(s.taskGid);
  return {
    gid: s.gid,
    resource_type: 'story',
    type: s.type,
    resource_subtype: s.subtype,
    text: s.text,
    ...(s.type === 'comment' ? { html_text: s.htmlText, is_pinned: s.isPinned, is_edited: false } : {}),
    created_at: s.createdAt,
    created_by: userRef(store, s.createdByGid),
    source: 'api',
    target: task ? taskCompact(task) : { gid: s.taskGid, resource_type: 'task' },
  };
}

export function tagJson(store: AsanaStore, t: AsanaTag): Json {
  const workspace = store.workspaces.get(t.workspaceGid);
  return {
    ...tagCompact(t),
    color: t.color,
    created_at: t.createdAt,
    followers: [],
    notes: '',
    workspace: workspace ? { gid: workspace.gid, name: workspace.name, resource_type: 'workspace' } : null,
  };
}

export function projectJson(store: AsanaStore, p: AsanaProject): Json {
  const workspace = store.workspaces.get(p.workspaceGid);
  return {
    ...projectCompact(p),
    archived: false,
    color: null,
    created_at: p.createdAt,
    notes: '',
    public: true,
    default_view: 'list',
    workspace: workspace ? { gid: workspace.gid, name: workspace.name, resource_type: 'workspace' } : null,
  };
}

export function webhookJson(store: AsanaStore, w: AsanaWebhook): Json {
  const resource =
    w.resourceType === 'project'
      ? store.projects.get(w.resourceGid)
      : w.resourceType === 'task'
        ? store.tasks.get(w.resourceGid)
        : store.workspaces.get(w.resourceGid);
  return {
    gid: w.gid,
    resource_type: 'webhook',
    active: w.active,
    resource: { gid: w.resourceGid, resource_type: w.resourceType, name: resource?.name ?? '' },
    target: w.target,
    created_at: w.createdAt,
    last_success_at: w.lastSuccessAt,
    last_failure_at: w.lastFailureAt,
    last_failure_content: w.lastFailureContent,
    filters: w.filters,
  };
}

// ---------------------------------------------------------------- opt_fields

type FieldTree = Map<string, FieldTree>;

/** opt_fields as the client sends it: "a,b.c" or repeated opt_fields=a&opt_fields=b. */
export function parseOptFields(raw: unknown): FieldTree | null {
  const list = (Array.isArray(raw) ? raw : [raw])
    .filter((v): v is string => typeof v === 'string')
    .flatMap((v) => v.split(','));
  const paths = list.map((p) => p.trim()).filter(Boolean);
  if (paths.length === 0) return null;
  const root: FieldTree = new Map();
  for (const path of paths) {
    let node = root;
    for (const part of path.split('.')) {
      if (!node.has(part)) node.set(part, new Map());
      node = node.get(part)!;
    }
  }
  return root;
}

function shape(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((v) => shape(v, tree));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Json;
  if (tree.size > 0) return select(record, tree);
  // A resource named without sub-fields comes back compact (its gid); plain values come back whole.
  return 'resource_type' in record ? { gid: record.gid, resource_type: record.resource_type } : record;
}

/** Only the gid and the fields asked for, nested as the dotted paths say (Asana's opt_fields). */
export function select(record: Json, tree: FieldTree): Json {
  const out: Json = 'gid' in record ? { gid: record.gid } : {};
  for (const [field, sub] of tree) out[field] = shape(record[field] ?? null, sub);
  return out;
}

/** The full record, or the opt_fields selection of it when the caller asked for one. */
export function withFields(record: Json, query: Json): Json {
  const tree = parseOptFields(query.opt_fields);
  return tree ? select(record, tree) : record;
}

/** A list entry: compact by default, or the opt_fields selection of the full record. */
export function listItem(compact: Json, full: () => Json, query: Json): Json {
  const tree = parseOptFields(query.opt_fields);
  return tree ? select(full(), tree) : compact;
}

// ---------------------------------------------------------------- pagination

const encodeOffset = (n: number) => Buffer.from(`sandbox-offset:${n}`).toString('base64url');
function decodeOffset(token: unknown): number {
  if (token === undefined || token === '') return 0;
  const match = /^sandbox-offset:(\d+)$/.exec(Buffer.from(String(token), 'base64url').toString());
  if (!match) throw badRequest('offset: Your pagination token is invalid.');
  return Number(match[1]);
}

/**
 * One page of a list, as {data, next_page}. Without `limit` Asana answers the whole list and no next_page;
 * with it, pages of at most 100 and next_page {offset, path, uri} (null on the last page).
 */
export function paginate(items: Json[], query: Json, path: string, apiBase: string): Json {
  if (query.limit === undefined) return { data: items };
  const limit = Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest('limit: Must be between 1 and 100.');
  const start = decodeOffset(query.offset);
  const data = items.slice(start, start + limit);
  if (start + limit >= items.length) return { data, next_page: null };
  const offset = encodeOffset(start + limit);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (key !== 'offset' && value !== undefined) params.set(key, String(value));
  params.set('offset', offset);
  const nextPath = `${path}?${params.toString()}`;
  return { data, next_page: { offset, path: nextPath, uri: `${apiBase}${nextPath}` } };
}

// ---------------------------------------------------------------- rich text

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const notesToHtml = (notes: string) => `<body>${escapeXml(notes)}</body>`;

export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<\/?[a-zA-Z][^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Asana refuses rich text that is not well-formed XML inside one <body> element. */
export function richTextProblem(field: string, html: string): AsanaError | null {
  const invalid = badRequest(`${field}: XML is invalid`);
  if (!/^<body>[\s\S]*<\/body>$/.test(html)) return invalid;
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(html)) return invalid;
  const open: string[] = [];
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(\/?)>/g)) {
    const [, closing, tag, selfClosing] = match;
    if (selfClosing) continue;
    if (!closing) open.push(tag);
    else if (open.pop() !== tag) return invalid;
  }
  return open.length === 0 ? null : invalid;
}
