// A conversation's queued replies go out with its next line that is on time, in the slot that line may have,
// instead of waiting for the flusher to come to them (a few a turn at the channel's pace, the longest-waiting first).
// Without it, a conversation with grouped lines keeps grouping every later one, so its thread stays in order,
// until the flusher's turn: after a burst that is minutes for every line of an active conversation. The post is
// the flusher's own (reply-flush.ts: one batch, taken atomically under the conversation's lock, posted once,
// looked up after a crash).
import { PermanentError } from '@switchboard/bus';
import type { Logger } from '@switchboard/core';
import type { HeldLock } from '@switchboard/store';
import { ReplyFlush, type ReplyFlushParts } from './reply-flush';
import type { QueuedReply } from './reply-store';

export class ReplyDrain {
  private readonly flush: ReplyFlush;

  constructor(
    private readonly parts: ReplyFlushParts,
    log: Logger,
  ) {
    this.flush = new ReplyFlush(parts, log);
  }

  /**
   * Queues the reply (done-marked with it), then posts it with the conversation's other queued replies if the
   * channel has a slot within `maxWaitMs`. Runs under the conversation's lock (`held`). True if they were
   * posted; false if the reply stays queued for the flusher (after a failed post too: its batch is resumed
   * there, or given up for good here as the flusher would). Throws only if the reply was not queued.
   */
  async queueAndPost(
    channel: string,
    conversationId: string,
    reply: QueuedReply,
    urgent: boolean,
    maxWaitMs: number,
    held: HeldLock,
    log: Logger,
  ): Promise<boolean> {
    const { parts } = this;
    const slot = await parts.pacing.trySlot(channel, maxWaitMs);
    await parts.replies.queue(channel, conversationId, reply, urgent);
    if (!slot.booked) return false;
    await parts.pacing.waitFor(slot);
    try {
      return (await this.flush.flush(channel, conversationId, held, 'booked')) === true;
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
  }
}
