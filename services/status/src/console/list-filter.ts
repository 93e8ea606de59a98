// The console list's query string (status, priority, team, words) read into a filter; unknown values are
// dropped rather than refused, as a link someone edited by hand should still show a list. Pure.
import type { ListFilter } from '../conversation/conversation-state';

const STATUSES = new Set(['open', 'closed', 'spam', 'taken_over', 'unreviewed']);
const PRIORITIES = new Set(['low', 'normal', 'high', 'urgent']);
const text = (v: unknown, max = 200) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined);

export function listFilter(query: Record<string, unknown>): ListFilter {
  const status = text(query.status);
  const priority = text(query.priority);
  return {
    status: status && STATUSES.has(status) ? (status as ListFilter['status']) : undefined,
    priority: priority && PRIORITIES.has(priority) ? priority : undefined,
    team: text(query.team),
    q: text(query.q),
  };
}
