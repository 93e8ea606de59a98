// How the notifier finds its own Slack posts again after a crash (metadata types, how far back to look), and
// the conversation lock every Slack side effect of a conversation runs under (two replicas overlap on a
// partition during a rebalance).
import { CONTENTION, UnavailableError } from '@switchboard/bus';
import { LockLostError, type HeldLock, type Locks } from '@switchboard/store';

/** Slack message metadata types: how the notifier finds its own posts again after a crash. */
export const METADATA = {
  conversation: 'switchboard_conversation',
  message: 'switchboard_message',
  replies: 'switchboard_replies',
  digest: 'switchboard_digest',
} as const;

/** Lock scopes (keys.lock): one conversation's Slack side effects; one channel's digest flush. */
export const LOCK_SCOPES = { conversation: 'notifier-conversation', digest: 'notifier-digest' } as const;

/** How far before an unrecorded post's start its channel is searched (covers clock skew with Slack). */
export const LOOKBACK_MS = 10 * 60 * 1000;

/**
 * Runs `run` holding the conversation's lock (renewed while held; `run` checks `held.assertHeld()` right before
 * a post); another replica holding it: retry later.
 */
export async function withConversationLock<T>(
  locks: Locks,
  conversationId: string,
  run: (held: HeldLock) => Promise<T>,
): Promise<T> {
  let done: { value: T } | undefined;
  try {
    done = await locks.withLock(conversationId, run);
  } catch (err) {
    // Lost before a post (a stall longer than the TTL): whoever holds it now may be posting; retry after it.
    if (err instanceof LockLostError) throw new UnavailableError(err.message, CONTENTION, 500, { cause: err });
    throw err;
  }
  if (!done) throw new UnavailableError('another notifier replica is handling this conversation', CONTENTION, 500);
  return done.value;
}
