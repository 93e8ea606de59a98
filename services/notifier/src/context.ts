// The parts the notifier's handlers and flusher share, filled in by main.ts, and the per-conversation lock
// every Slack side effect of a conversation runs under (two replicas overlap on a partition during a rebalance).
import { UnavailableError } from '@switchboard/bus';
import type { Locks } from '@switchboard/store';
import type { Priority } from '@switchboard/proto';
import type { DigestStore } from './digest-store';
import type { ReplyStore } from './reply-store';
import type { NotifierMetrics } from './metrics';
import type { SlackPacing } from './pacing';
import type { Route } from './routes';
import type { SlackPort } from './slack';
import type { ConversationStore } from './state';

export interface NotifierContext {
  slack: SlackPort;
  store: ConversationStore;
  digests: DigestStore;
  replies: ReplyStore;
  pacing: SlackPacing;
  metrics: NotifierMetrics;
  /** Conversation locks (LOCK_SCOPES.conversation). */
  locks: Locks;
  triageChannel: string;
  routes: Route[];
  threadMinimum: Priority;
  digestAfterMs: number;
  transcriptUrl: (conversationId: string) => string;
}

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

export async function withConversationLock<T>(ctx: NotifierContext, conversationId: string, run: () => Promise<T>): Promise<T> {
  const done = await ctx.locks.withLock(conversationId, () => run());
  if (!done) throw new UnavailableError('another notifier replica is handling this conversation', 'lock', 500);
  return done.value;
}
