// Posting a conversation's messages to Slack exactly once: its root (or its place in a digest) and its
// thread replies. Each post is preceded by an intent marker in Redis and carries Slack metadata naming the
// conversation and event; when a marker is found without a recorded result (a crash or a lost answer),
// the post is looked up in Slack before anything is posted again. Runs under the conversation's lock.
import type { ClassifiedEvent } from '@switchboard/proto';
import { secondsSince, type Logger } from '@switchboard/core';
import type { HeldLock } from '@switchboard/store';
import { summarize, type ConversationSummary } from './conversation';
import { placement, slotWaitLimit } from './decide';
import type { DigestStore } from './digest-store';
import type { NotifierMetrics } from './metrics';
import type { SlackPacing } from './pacing';
import { METADATA, LOOKBACK_MS } from './post-markers';
import { renderRoot } from './render';
import type { ReplyDrain } from './reply-drain';
import type { ReplyStore } from './reply-store';
import { surelyNotPosted, type PostedMessage, type SlackPort } from './slack';
import type { ConversationState, ConversationStore } from './state';

/** What posting a conversation's messages uses. */
export interface PostingParts {
  slack: SlackPort;
  store: ConversationStore;
  pacing: SlackPacing;
  metrics: NotifierMetrics;
  transcriptUrl: (conversationId: string) => string;
  /** The console's link to the conversation's Asana task (agreements' taskUrl): shown from the first post. */
  taskUrl: (conversationId: string) => string;
  /** How late a message may still be posted on its own; later ones are queued (NOTIFIER_DIGEST_AFTER_MS). */
  digestAfterMs: number;
}

/** Placing a new conversation also uses the digest queue and the routes (as `channelOf`). */
export interface PlacingParts extends PostingParts {
  digests: DigestStore;
  channelOf: (summary: ConversationSummary) => string;
}

/** Threading a later message also uses the queue of late replies, and posts it with them when it can. */
export interface ThreadingParts extends PostingParts {
  replies: ReplyStore;
  drain: ReplyDrain;
}

function observeLatency(metrics: NotifierMetrics, receivedAtMs: number): void {
  if (receivedAtMs > 0) metrics.shared.endToEndSeconds.observe({ stage: 'slack_post' }, secondsSince(receivedAtMs));
}

/** Stores the root's permalink (the ticketer links it from the task) unless it is known already. */
export async function ensurePermalink(
  parts: Pick<PostingParts, 'slack' | 'store'>,
  conversationId: string,
  state: ConversationState,
): Promise<void> {
  if (state.permalink || !state.channelId || !state.ts) return;
  const posted = { channel: state.channelId, ts: state.ts };
  await parts.store.recordPermalink(conversationId, posted, await parts.slack.permalink(posted.channel, posted.ts));
}

export async function recordRoot(
  parts: Pick<PostingParts, 'store'>,
  conversationId: string,
  channel: string,
  posted: PostedMessage,
): Promise<void> {
  await parts.store.recordPlaced(conversationId, 'root', channel, posted);
}

/** The root a crash (or a lost answer) left unrecorded after its post started at `postingAtMs`, if Slack has it. */
export async function findPostedRoot(
  parts: Pick<PostingParts, 'slack' | 'store' | 'metrics'>,
  conversationId: string,
  channel: string,
  postingAtMs: number | undefined,
): Promise<PostedMessage | null> {
  const found = await parts.slack.findByMetadata({
    channel: await parts.store.channelId(channel),
    eventTypes: [METADATA.conversation],
    oldestMs: (postingAtMs ?? 0) - LOOKBACK_MS,
    matches: (p) => p.conversation_id === conversationId,
  });
  parts.metrics.recoveries.inc({ outcome: found ? 'found' : 'not_found' });
  return found;
}

/**
 * Posts a conversation's root (its metadata names the conversation and first event) in the channel's budget,
 * the lock checked right before; when Slack surely did not take it, `onRefused` fields reset its record.
 */
export async function postRoot(
  parts: Pick<PostingParts, 'slack' | 'store' | 'pacing'>,
  channel: string,
  summary: ConversationSummary,
  message: { text: string; blocks: object[] },
  held: HeldLock,
  onRefused: Record<string, string>,
): Promise<PostedMessage> {
  try {
    return await parts.pacing.post(channel, () => {
      held.assertHeld(); // the lock lost while waiting for the slot: another replica may be posting this root
      return parts.slack.postMessage({
        channel,
        ...message,
        metadata: {
          event_type: METADATA.conversation,
          event_payload: { conversation_id: summary.conversationId, event_id: summary.eventId },
        },
      });
    });
  } catch (err) {
    if (surelyNotPosted(err)) await parts.store.update(summary.conversationId, onRefused);
    throw err;
  }
}

/**
 * A new conversation: its own root message in its channel if a slot is free soon enough (always, if urgent),
 * else a place in the channel's next digest. Returns where it went.
 */
export async function placeConversation(
  parts: PlacingParts,
  event: ClassifiedEvent,
  state: ConversationState,
  log: Logger,
  held: HeldLock,
): Promise<'root' | 'pending'> {
  const summary = state.summary ?? summarize(event);
  const id = summary.conversationId;
  const channel = state.channel ?? parts.channelOf(summary);

  if (state.place === 'posting') {
    const found = await findPostedRoot(parts, id, channel, state.postingAtMs);
    if (found) {
      log.warn({ ts: found.ts }, 'root was posted before a crash; recorded it instead of posting again');
      await recordRoot(parts, id, channel, found);
      await ensurePermalink(parts, id, { channelId: found.channel, ts: found.ts });
      return 'root';
    }
  }

  const ageMs = summary.receivedAtMs > 0 ? Math.max(0, Date.now() - summary.receivedAtMs) : 0;
  const rule = { priority: summary.priority, ageMs, digestAfterMs: parts.digestAfterMs };
  let where = placement(rule);
  // Only a conversation that can still make it asks for a slot (a free one is taken at once).
  const slot = where === 'ask_slot' ? await parts.pacing.trySlot(channel, slotWaitLimit(rule)) : undefined;
  if (slot) where = placement({ ...rule, slot });
  if (where === 'queue') {
    await parts.digests.enqueue(channel, summary);
    log.info(
      { channel, ageMs, waitMs: slot?.waitMs },
      'behind the channel budget: conversation queued for the next digest',
    );
    return 'pending';
  }
  if (where === 'wait_and_post' && slot) await parts.pacing.waitFor(slot);

  await parts.store.markPosting(id, summary, channel);
  const message = renderRoot({
    summary,
    status: state.status,
    transcriptUrl: parts.transcriptUrl(id),
    taskUrl: parts.taskUrl(id),
  });
  // Slack said no: nothing to look up next time.
  const posted = await postRoot(parts, channel, summary, message, held, { place: '' });
  await recordRoot(parts, id, channel, posted);
  parts.metrics.notifications.inc({ kind: 'root' });
  observeLatency(parts.metrics, summary.receivedAtMs);
  log.info({ channel: posted.channel, ts: posted.ts }, 'posted root notification');
  // If this fails, the event is retried, finds its root recorded, and only asks for the permalink again.
  await ensurePermalink(parts, id, { channelId: posted.channel, ts: posted.ts });
  return 'root';
}
