// The timeline list on the real Redis: 5,000 conversations (some started in the same millisecond) walked
// page by page from cursors without a gap or a repeat, newest first; filters and date ranges; bad cursors.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { StatusChange } from '@switchboard/proto';
import { connectRedis, createRedis, type Redis } from '@switchboard/store';
import type { TimelineEvent } from '../../src/conversation/timeline';
import {
  decodeCursor,
  encodeCursor,
  matchesTimeline,
  TimelineList,
  type Cursor,
  type TimelineFilter,
} from '../../src/conversation/timeline-list';
import { TimelineStore } from '../../src/conversation/timeline-store';
import { statusKeys } from '../../src/status-keys';

jest.setTimeout(120000);
const quiet = createLogger({ service: 'timeline-list-test', level: 'silent' });
const T0 = Date.UTC(2026, 0, 1);
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const N = 5000;
// Every third conversation shares its start with the one before it (ties are ordered by id).
const startOf = (i: number) => T0 + Math.floor(i / 3) * 2 * 60_000 + (i % 3 === 2 ? 60_000 : 0);
const idOf = (i: number) => `conv-${String(i).padStart(5, '0')}`;

describe('TimelineList', () => {
  let redis: Redis;
  const keys = statusKeys(`tls${randomUUID().slice(0, 8)}:`);
  let list: TimelineList;

  beforeAll(async () => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
    const store = new TimelineStore(redis, keys, 3600);
    list = new TimelineList(redis, keys);
    // Seeded through the store (as the recorders write), 100 at a time.
    for (let from = 0; from < N; from += 100) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, j) => {
          const i = from + j;
          const message: TimelineEvent = {
            kind: 'message',
            eventId: `m${i}`,
            at: startOf(i),
            from: 'user',
            priority: PRIORITIES[i % 4],
            platform: 'web',
            teamId: `T${i % 5}`,
            teamName: `Team ${i % 5}`,
            userId: `u${i}`,
            userName: `User ${i}`,
            by: '',
          };
          await store.apply(idOf(i), message);
          if (i % 2 === 0)
            await store.apply(idOf(i), {
              kind: 'status',
              eventId: `r${i}`,
              at: startOf(i) + 30_000,
              change: StatusChange.REVIEWED,
              by: i % 4 === 0 ? 'Olga' : 'Pete',
            });
          if (i % 10 === 0)
            await store.apply(idOf(i), {
              kind: 'status',
              eventId: `c${i}`,
              at: startOf(i) + 90_000,
              change: StatusChange.CLOSED,
              by: 'Olga',
            });
        }),
      );
    }
  });
  afterAll(() => redis.disconnect());

  /** Walks every page through encoded cursors, as the console's "next" links do. */
  async function walkAll(filter: TimelineFilter, limit: number): Promise<string[]> {
    const seen: string[] = [];
    let cursor: Cursor | undefined;
    for (let pages = 0; pages < 10_000; pages++) {
      const page = await list.page(filter, cursor, limit);
      seen.push(...page.items.map((t) => t.id));
      if (!page.next) return seen;
      cursor = decodeCursor(encodeCursor(page.next))!;
    }
    throw new Error('pagination did not end');
  }

  it('walks 5,000 conversations newest first without gaps or repeats', async () => {
    const seen = await walkAll({}, 37);
    expect(seen).toHaveLength(N);
    expect(new Set(seen).size).toBe(N);
    const expected = Array.from({ length: N }, (_, i) => i)
      .sort((a, b) => startOf(b) - startOf(a) || idOf(b).localeCompare(idOf(a)))
      .map(idOf);
    expect(seen).toEqual(expected);
  });

  it('filters by state, priority, team, operator and start range, still without gaps', async () => {
    const all = Array.from({ length: N }, (_, i) => i);
    const cases: [TimelineFilter, (i: number) => boolean][] = [
      [{ state: 'unreviewed' }, (i) => i % 2 === 1],
      [{ state: 'reviewed' }, (i) => i % 2 === 0 && i % 10 !== 0],
      [{ state: 'closed' }, (i) => i % 10 === 0],
      [{ priority: 'urgent', team: 'team 3' }, (i) => i % 4 === 3 && i % 5 === 3],
      [{ operator: 'olga' }, (i) => i % 4 === 0],
      [
        { sinceMs: startOf(3000), untilMs: startOf(3300) },
        (i) => startOf(i) >= startOf(3000) && startOf(i) < startOf(3300),
      ],
    ];
    for (const [filter, expected] of cases) {
      const seen = await walkAll(filter, 50);
      expect({ filter, count: seen.length, unique: new Set(seen).size }).toEqual({
        filter,
        count: all.filter(expected).length,
        unique: all.filter(expected).length,
      });
    }
  });

  it('refuses what is not a cursor, and matches pure filters', () => {
    for (const bad of ['', ':x', '12:', 'abc:x', '1.5:x']) expect(decodeCursor(bad)).toBeNull();
    expect(decodeCursor('1700000000000:conv:with:colons')).toEqual({ score: 1700000000000, id: 'conv:with:colons' });
    expect(matchesTimeline({ id: 'a', startedAt: '1', spam: '1' }, { state: 'open' })).toBe(false);
    expect(matchesTimeline({ id: 'a', startedAt: '1' }, { priority: 'unspecified' })).toBe(true);
  });
});
