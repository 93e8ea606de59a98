// Posts a conversation's queued thread replies as one reply in its thread (a root's, or a digest's), once:
// the batch is taken atomically, posted with its id in the message metadata, and closed; an open batch found
// on the next turn (a crash between posting and closing) is looked up in the thread before it is reposted.
import { randomUUID } from 'node:crypto';
import { Priority } from '@switchboard/proto';
import { secondsSince, type Logger } from '@switchboard/core';
import { StaleFenceError, type HeldLock } from '@switchboard/store';
import type { NotifierMetrics } from './metrics';
import type { SlackPacing } from './pacing';
import { METADATA } from './post-markers';
import { MAX_REPLY_GROUP, renderReplyGroup } from './render';
import type { ReplyBatch, ReplyStore } from './reply-store';
import { surelyNotPosted, type SlackPort } from './slack';
import type { ConversationStore } from './state';

/** What posting grouped replies uses. */
export interface ReplyFlushParts {
  slack: SlackPort;
  store: ConversationStore;
  replies: ReplyStore;
  pacing: SlackPacing;
  metrics: NotifierMetrics;
  transcriptUrl: (conversationId: string) => string;
}

export class ReplyFlush {
  /** Batches Slack refused (429, ok:false) in this process: no need to look them up before retrying. */
  private readonly refused = new Set<string>();

  constructor(
    private readonly parts: ReplyFlushParts,
    private readonly log: Logger,
  ) {}

  /**
   * Posts the conversation's queued replies in a slot of the channel's: `booked` by the caller (and waited for),
   * the `next` one (booked here and waited for), or one `free` at once, else nothing is taken ('no_free_slot').
   * A slot is asked for only once the conversation is known to have a thread. False if it has none yet.
   * `held`: the conversation's lock.
   */
  async flush(
    channel: string,
    conversationId: string,
    held: HeldLock,
    slot: 'booked' | 'next' | 'free',
  ): Promise<boolean | 'no_free_slot'> {
    const { parts } = this;
    const state = await parts.store.state(conversationId);
    // Still waiting for its digest (flushed first), or released: its replies wait for its thread.
    if ((state.place !== 'root' && state.place !== 'digest') || !state.channelId || !state.ts) return false;
    const thread = { channel: state.channelId, ts: state.ts };
    const findPosted = async (batchId: string) => {
      if (this.refused.has(batchId)) return null;
      const found = await parts.slack.findByMetadata({
        channel: thread.channel,
        threadTs: thread.ts,
        eventTypes: [METADATA.replies],
        matches: (p) => p.batch_id === batchId,
      });
      parts.metrics.recoveries.inc({ outcome: found ? 'found' : 'not_found' });
      return found;
    };
    const open = await parts.replies.openBatch(conversationId);
    if (open) {
      if (await findPosted(open.id)) {
        this.log.warn(
          { conversation_id: conversationId, batch: open.id },
          'grouped reply was posted before a crash; not posting it again',
        );
        await parts.replies.close(channel, conversationId);
        return true;
      }
    }
    // (A free slot taken for a spam-marked conversation whose queued lines are all dropped goes unused.)
    if (slot === 'free' && !(await parts.pacing.trySlot(channel, 0)).now) return 'no_free_slot';
    const waitForSlot = () => (slot === 'next' ? parts.pacing.waitForPost(channel) : Promise.resolve());
    let batch: ReplyBatch | null;
    if (state.status?.spamBy) {
      // Marked spam since its replies were queued: the user's are dropped, as they would have been on arrival;
      // the operators' own state lines (who marked it) are still posted.
      const taken = await parts.replies.takeBatch(conversationId, MAX_REPLY_GROUP, randomUUID(), held.fence);
      const kept = taken?.items.filter((i) => i.evenIfSpam) ?? [];
      parts.metrics.suppressed.inc({ reason: 'spam_conversation' }, (taken?.items.length ?? 0) - kept.length);
      if (!taken || kept.length === 0) {
        await parts.replies.close(channel, conversationId);
        return false;
      }
      await waitForSlot();
      batch = { ...taken, items: kept };
    } else {
      await waitForSlot();
      batch = await parts.replies.takeBatch(conversationId, MAX_REPLY_GROUP, randomUUID(), held.fence);
    }
    if (!batch || batch.items.length === 0) {
      await parts.replies.close(channel, conversationId);
      return true;
    }
    const inDigest =
      state.place === 'digest' && state.summary
        ? { summary: state.summary, transcriptUrl: parts.transcriptUrl(conversationId) }
        : undefined;
    let postedBefore = false;
    try {
      await parts.pacing.post(channel, async () => {
        held.assertHeld();
        if (!(await parts.replies.stillHolds(batch))) throw new StaleFenceError(conversationId, batch.fence);
        // Taken over from another holder: inside the call gate its post has ended, so Slack shows it if it was made.
        if (batch.resumed && (await findPosted(batch.id))) {
          postedBefore = true;
          return;
        }
        await parts.slack.postMessage({
          channel: thread.channel,
          threadTs: thread.ts,
          ...renderReplyGroup(
            batch.items.map((i) => i.line),
            inDigest,
          ),
          metadata: {
            event_type: METADATA.replies,
            event_payload: { conversation_id: conversationId, batch_id: batch.id, replies: batch.items.length },
          },
          replyBroadcast: inDigest !== undefined && batch.items.some((i) => i.priority >= Priority.URGENT),
        });
      });
    } catch (err) {
      if (surelyNotPosted(err)) this.refused.add(batch.id);
      throw err;
    }
    if (postedBefore) {
      this.log.warn(
        { conversation_id: conversationId, batch: batch.id },
        'grouped reply taken over was posted by its earlier holder; not posting it again',
      );
      await parts.replies.close(channel, conversationId);
      return true;
    }
    await parts.replies.close(channel, conversationId);
    this.refused.delete(batch.id);
    parts.metrics.notifications.inc({ kind: 'thread' });
    for (const item of batch.items)
      if (item.receivedAtMs > 0)
        parts.metrics.shared.endToEndSeconds.observe({ stage: 'slack_post' }, secondsSince(item.receivedAtMs));
    return true;
  }

  /** Slack refuses the thread for good: the batch is dropped (and counted), so the channel moves on. */
  async giveUp(channel: string, conversationId: string, reason: string): Promise<void> {
    const batch = await this.parts.replies.openBatch(conversationId);
    await this.parts.replies.close(channel, conversationId);
    this.parts.metrics.undelivered.inc({ kind: 'reply', reason }, batch?.items.length ?? 0);
    this.log.error(
      { conversation_id: conversationId, channel, reason, events: batch?.items.map((i) => i.eventId) },
      'grouped reply refused by Slack; not posted',
    );
  }
}
