// The console list's query string (status, priority, team, operator, start dates, words, cursor) read into
// a filter. Unknown status or priority values are dropped (a link edited by hand still shows a list); a
// malformed date or cursor is refused with a message. Pure.
import type { ListFilter } from '../conversation/conversation-state';
import { decodeCursor, LIST_STATES, type Cursor, type TimelineFilter } from '../conversation/timeline-list';

const PRIORITIES = new Set(['low', 'normal', 'high', 'urgent', 'unspecified']);
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const text = (v: unknown, max = 200) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined);

export interface ListQuery {
  /** What the form shows again. */
  filter: ListFilter;
  /** What the walk filters on. */
  timeline: TimelineFilter;
  /** Words to find in the summary's user, team or last message. */
  q?: string;
  cursor?: Cursor;
}

/** Pure: a day (YYYY-MM-DD, UTC) as ms at its start, or null when it is not a real day. */
export function dayStart(value: string): number | null {
  if (!DAY.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value ? null : ms;
}

export function listQuery(query: Record<string, unknown>): ListQuery | { error: string } {
  const status = text(query.status);
  const priority = text(query.priority);
  const from = text(query.from);
  const to = text(query.to);
  const cursorText = text(query.cursor, 1200);
  const sinceMs = from ? dayStart(from) : undefined;
  const toMs = to ? dayStart(to) : undefined;
  if (sinceMs === null) return { error: `"from" must be a day as YYYY-MM-DD, got "${from!.slice(0, 40)}"` };
  if (toMs === null) return { error: `"to" must be a day as YYYY-MM-DD, got "${to!.slice(0, 40)}"` };
  const cursor = cursorText ? decodeCursor(cursorText) : undefined;
  if (cursor === null) return { error: 'the page cursor is malformed: start again from the first page' };
  const state =
    status && (LIST_STATES as readonly string[]).includes(status) ? (status as ListFilter['status']) : undefined;
  const filter: ListFilter = {
    status: state,
    priority: priority && PRIORITIES.has(priority) ? priority : undefined,
    team: text(query.team),
    operator: text(query.operator),
    from: from ?? undefined,
    to: to ?? undefined,
    q: text(query.q),
  };
  return {
    filter,
    timeline: {
      state,
      priority: filter.priority,
      team: filter.team,
      operator: filter.operator,
      sinceMs: sinceMs ?? undefined,
      // "to" is the last day included.
      untilMs: toMs === undefined ? undefined : toMs + 86_400_000,
    },
    q: filter.q,
    cursor,
  };
}
