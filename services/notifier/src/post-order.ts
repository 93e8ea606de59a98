// Which waiting post takes a channel's next free slot: urgent roots first, then high ones, then every other post
// (other roots, digests, thread replies, SLA notices) in the order they began to wait; a post that has waited
// `maxDeferMs` goes ahead of every post that began to wait after it, so precedence never starves the rest. Pure.
import { Priority } from '@switchboard/proto';

/** How a post ranks for the channel's next slot (the first ones go first). */
export const PRECEDENCES = ['urgent', 'high', 'other'] as const;
export type Precedence = (typeof PRECEDENCES)[number];

/** A new conversation's own root ranks by its priority; every other post is 'other'. */
export function rootPrecedence(priority: Priority): Precedence {
  if (priority >= Priority.URGENT) return 'urgent';
  if (priority >= Priority.HIGH) return 'high';
  return 'other';
}

/** A post waiting for the channel's slot, as the waiting room in Redis holds it. */
export interface WaitingPost {
  id: string;
  precedence: Precedence;
  /** When it began to wait (Redis's clock, ms). */
  sinceMs: number;
}

/** Its rank now: its precedence's, or the first once it has waited `maxDeferMs`. */
function rankAt(post: WaitingPost, nowMs: number, maxDeferMs: number): number {
  return nowMs - post.sinceMs >= maxDeferMs ? 0 : PRECEDENCES.indexOf(post.precedence);
}

/**
 * The waiting posts in the order they are to take the channel's slots: by rank (an overdue post ranks first),
 * then by when they began to wait, then by id (so every replica reads the same order from the same room).
 */
export function postOrder(waiting: readonly WaitingPost[], nowMs: number, maxDeferMs: number): WaitingPost[] {
  const ranked = waiting.map((post) => ({ post, rank: rankAt(post, nowMs, maxDeferMs) }));
  ranked.sort(
    (a, b) =>
      a.rank - b.rank ||
      a.post.sinceMs - b.post.sinceMs ||
      (a.post.id < b.post.id ? -1 : a.post.id > b.post.id ? 1 : 0),
  );
  return ranked.map((r) => r.post);
}

/**
 * How many waiting posts go before a post of `precedence` that begins to wait now: those that rank before it or
 * equally (they began earlier). Used to say how long a new post would wait without making it wait.
 */
export function postsAhead(
  waiting: readonly WaitingPost[],
  precedence: Precedence,
  nowMs: number,
  maxDeferMs: number,
): number {
  const newcomer: WaitingPost = { id: '\uffff', precedence, sinceMs: nowMs };
  return postOrder([...waiting, newcomer], nowMs, maxDeferMs).indexOf(newcomer);
}

/**
 * How long a waiting post at `position` (0: next) may sleep before looking at the room again: the posts ahead of
 * it each need a slot, one every `intervalMs` at best, so it looks again about when it could be next, between
 * `minMs` and `maxMs` (a post of higher rank arriving meanwhile only pushes it back).
 */
export function lookAgainMs(position: number, intervalMs: number, bounds: { minMs: number; maxMs: number }): number {
  const ms = Math.max(0, position - 0.5) * intervalMs;
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, Math.round(ms)));
}
