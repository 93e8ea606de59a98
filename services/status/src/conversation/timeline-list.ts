// Every conversation's timeline, newest start first, filtered and walked page by page from a cursor (its
// start score and id): the console list, the stats page and the export read through here, in constant memory.
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';
import { openBucket, type Timeline } from './timeline';

export const LIST_STATES = ['open', 'unreviewed', 'reviewed', 'taken_over', 'closed', 'spam'] as const;
export type ListState = (typeof LIST_STATES)[number];

export interface TimelineFilter {
  state?: ListState;
  priority?: string;
  /** A team's id or name (any case). */
  team?: string;
  /** Who reviewed, took over or first answered it (name, any case). */
  operator?: string;
  /** Started at or after (ms). */
  sinceMs?: number;
  /** Started before (ms). */
  untilMs?: number;
}

/** Where a walk goes on from: the last conversation seen (its start in ms and its id). */
export interface Cursor {
  score: number;
  id: string;
}

export const encodeCursor = (c: Cursor): string => `${c.score}:${c.id}`;

/** Pure: a cursor from its text, or null when it is not one. */
export function decodeCursor(text: string): Cursor | null {
  const at = text.indexOf(':');
  if (at <= 0 || at === text.length - 1) return null;
  const score = Number(text.slice(0, at));
  return Number.isSafeInteger(score) ? { score, id: text.slice(at + 1) } : null;
}

/** Pure: whether a timeline passes the filter (the start range is the walk's business). */
export function matchesTimeline(t: Timeline, f: TimelineFilter): boolean {
  if (f.state) {
    const closed = t.closed === '1';
    const spam = t.spam === '1';
    if (f.state === 'closed' && !closed) return false;
    if (f.state === 'spam' && !spam) return false;
    if (f.state === 'open' && (closed || spam)) return false;
    if (
      (f.state === 'unreviewed' || f.state === 'reviewed' || f.state === 'taken_over') &&
      openBucket(t)?.state !== f.state
    )
      return false;
  }
  if (f.priority && (t.priority || 'unspecified') !== f.priority) return false;
  if (f.team && t.teamId !== f.team && (t.teamName ?? '').toLowerCase() !== f.team.toLowerCase()) return false;
  if (f.operator) {
    const who = f.operator.toLowerCase();
    if (![t.reviewedBy, t.takenOverBy, t.firstHumanReplyBy].some((name) => (name ?? '').toLowerCase() === who))
      return false;
  }
  return true;
}

export interface Page {
  items: Timeline[];
  /** Where the next page starts; absent at the end. */
  next?: Cursor;
}

export class TimelineList {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
  ) {}

  /**
   * The timelines newest start first, from after `after`, that pass the filter. Reads `batch` ids and
   * their hashes at a time; conversations that started in the same millisecond are ordered by id.
   * Yields each with its cursor.
   */
  async *walk(
    filter: TimelineFilter,
    after?: Cursor,
    batch = 200,
  ): AsyncGenerator<{ timeline: Timeline; cursor: Cursor }> {
    const key = this.keys.timelinesByStart();
    let last: Cursor | undefined = after;
    let max = after ? String(after.score) : filter.untilMs !== undefined ? `(${filter.untilMs}` : '+inf';
    if (after && filter.untilMs !== undefined && after.score >= filter.untilMs) max = `(${filter.untilMs}`;
    const min = filter.sinceMs !== undefined ? String(filter.sinceMs) : '-inf';
    let offset = 0;
    for (;;) {
      const flat = await this.redis.zrevrangebyscore(key, max, min, 'WITHSCORES', 'LIMIT', offset, batch);
      if (flat.length === 0) return;
      const entries: Cursor[] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i], score: Number(flat[i + 1]) });
      // The same millisecond as the cursor comes again (max is inclusive): skip what was already walked.
      const fresh = last ? entries.filter((c) => c.score < last!.score || c.id < last!.id) : entries;
      if (fresh.length === 0) {
        if (entries.length < batch) return;
        offset += batch;
        continue;
      }
      const pipeline = this.redis.pipeline();
      for (const c of fresh) pipeline.hgetall(this.keys.timeline(c.id));
      const hashes = (await pipeline.exec()) ?? [];
      for (let i = 0; i < fresh.length; i++) {
        const [err, hash] = hashes[i];
        if (err) throw err;
        const timeline = hash as Timeline;
        if (timeline.id && matchesTimeline(timeline, filter)) yield { timeline, cursor: fresh[i] };
      }
      last = fresh[fresh.length - 1];
      if (entries.length < batch) return;
      max = String(last.score);
      offset = 0;
    }
  }

  /**
   * One page: at most `limit` conversations, looking through at most `scanLimit` timelines (a sparse filter
   * ends a page early, with a cursor past what was looked through). `next` is there while timelines remain
   * in the range (the next page may still find none that match).
   */
  async page(filter: TimelineFilter, after: Cursor | undefined, limit: number, scanLimit = 5000): Promise<Page> {
    const range = { sinceMs: filter.sinceMs, untilMs: filter.untilMs };
    const items: Timeline[] = [];
    let scanned = 0;
    let cursor: Cursor | undefined;
    for await (const { timeline, cursor: c } of this.walk(range, after)) {
      cursor = c;
      scanned++;
      if (matchesTimeline(timeline, filter)) items.push(timeline);
      if (items.length === limit || scanned >= scanLimit) break;
    }
    if (!cursor) return { items };
    for await (const _ of this.walk(range, cursor, 1)) return { items, next: cursor };
    return { items };
  }
}
