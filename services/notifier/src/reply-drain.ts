// A conversation's queued replies go out with its next line that is on time, in the slot that line may have,
// instead of waiting for the flusher to come to them (a few conversations a turn, the longest-waiting first).
// Without it, a conversation with grouped lines keeps grouping every later one, so its thread stays in order,
// until the flusher's turn: after a burst that is minutes for every line of an active conversation. The post is
// the flusher's own (reply-flush.ts: one batch, taken atomically, posted once, looked up after a crash), under
// the channel's flush lock, which is only tried: held by a flusher, the line simply joins the queue.
import { PermanentError } from '@switchboard/bus';
import type { Logger } from '@switchboard/core';
import type { Locks } from '@switchboard/store';
import { ReplyFlush, type ReplyFlushParts } from './reply-flush';
import type { QueuedReply } from './reply-store';

export interface ReplyDrainParts extends ReplyFlushParts {
  /** The channels' flush locks (LOCK_SCOPES.digest), the flusher's: a batch is taken under one, as it does. */
  channelLocks: Locks;
}

export class ReplyDrain {
  private readonly flush: ReplyFlush;

  constructor(
    private readonly parts: ReplyDrainParts,
    log: Logger,
  ) {
    this.flush = new ReplyFlush(parts, log);
  }

  /**
   * Queues the reply (done-marked with it), then posts it with the conversation's other queued replies if the
   * channel's flush lock is free and a slot within `maxWaitMs`. Runs under the conversation's lock. True if
   * they were posted; false if the reply stays queued for the flusher (after a failed post too: its batch is
   * resumed there, or given up for good here as the flusher would). Throws only if the reply was not queued.
   */
  async queueAndPost(
    channel: string,
    conversationId: string,
    reply: QueuedReply,
    urgent: boolean,
    maxWaitMs: number,
    log: Logger,
  ): Promise<boolean> {
    const { parts } = this;
    const held = await parts.channelLocks.acquire(channel);
    if (!held) {
      await parts.replies.queue(channel, conversationId, reply, urgent);
      return false;
    }
    try {
      // The slot is asked under the lock, so a lock held elsewhere wastes none.
      const slot = await parts.pacing.trySlot(channel, maxWaitMs);
      await parts.replies.queue(channel, conversationId, reply, urgent);
      if (!slot.booked) return false;
      await parts.pacing.waitFor(slot);
      try {
        return await this.flush.flush(channel, conversationId, held, { slotBooked: true });
      } catch (err) {
        if (err instanceof PermanentError) {
          await this.flush.giveUp(channel, conversationId, err.reason);
          return false;
        }
        log.warn(
          { err: (err as Error).message, channel },
          'queued replies not posted with the next line; left to the flusher',
        );
        return false;
      }
    } finally {
      await held.release();
    }
  }
}
