// Posts what was queued because a channel's budget was behind: digests of new conversations and grouped
// thread replies. Every replica polls the channels with a backlog; whichever takes a channel's flush lock
// books the channel's next post slot, takes the waiting conversations atomically as one batch, posts them as
// one message (a root of its own when there is only one) and records where each is; then posts conversations'
// queued replies (reply-flush.ts), each under its conversation's lock: as many as find the channel's slot free
// at once, and a few more that wait for theirs. A batch taken but not recorded (a crash, a lost answer) is
// looked up in Slack by its id before it is posted again. The locks are renewed while held, and a batch carries
// its lock's fencing number (a digest the channel lock's, a conversation's replies that conversation's): a
// replica whose lock passed to another (a pause longer than the TTL) finds the batch claimed by the newer
// holder and neither posts nor records it.
import { randomUUID } from 'node:crypto';
import { PermanentError, UnavailableError } from '@switchboard/bus';
import { backoffDelay, secondsSince, sleep, type Logger } from '@switchboard/core';
import { StaleFenceError, type HeldLock, type Locks } from '@switchboard/store';
import { renderDigest, type DigestEntry } from './digest';
import type { DigestBatch, DigestStore } from './digest-store';
import { LOOKBACK_MS, METADATA } from './post-markers';
import { renderRoot } from './render';
import { ReplyFlush, type ReplyFlushParts } from './reply-flush';
import { surelyNotPosted, type FoundMessage, type PostMetadata, type PostedMessage } from './slack';

/** Digests posted per turn of a channel's lock, the first waiting for its slot, the others only in a free one. */
const DIGESTS_PER_TURN = 10;
/** Conversations with queued replies looked at per turn of a channel's lock. */
const REPLY_CANDIDATES = 100;
/**
 * Grouped replies per turn that wait for the channel's next slot. Any more are posted only in a slot free at
 * once, so a channel with slots to spare (budgets off, a quiet channel) drains its queued replies in a turn or
 * two, while one at its pace holds its lock for a few posts at most.
 */
const REPLY_WAITS_PER_TURN = 3;
/** Conversations whose replies one replica posts at once within a turn (each under its own lock). */
const REPLY_FLUSHES_AT_ONCE = 8;

/** What flushing a channel uses: the grouped replies' parts and the digest queue. */
export interface FlusherParts extends ReplyFlushParts {
  digests: DigestStore;
  /** The console's link to a conversation's Asana task (agreements' taskUrl), on each digest line from the start. */
  taskUrl: (conversationId: string) => string;
}

export interface FlusherOptions {
  pollMs: number;
  maxSize: number;
  /** The channel locks (their TTL bounds how long a crashed replica holds a channel's digests back). */
  locks: Locks;
  /** The conversation locks: a conversation's queued replies are taken under its lock. */
  conversationLocks: Locks;
  log: Logger;
}

export class DigestFlusher {
  private stopped = false;
  private loop?: Promise<void>;
  private readonly retryAt = new Map<string, { atMs: number; attempt: number }>();
  /** Batches Slack refused (429, ok:false) in this process: no need to look them up before retrying. */
  private readonly refused = new Set<string>();
  private readonly replyFlush: ReplyFlush;

  constructor(
    private readonly parts: FlusherParts,
    private readonly options: FlusherOptions,
  ) {
    this.replyFlush = new ReplyFlush(parts, options.log);
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        await this.tick().catch((err) => this.options.log.warn({ err: (err as Error).message }, 'digest poll failed'));
        await sleep(this.options.pollMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  async tick(): Promise<void> {
    const channels = await this.parts.digests.channels();
    await Promise.all(channels.map((channel) => this.flush(channel)));
  }

  /** Flushes one channel if it has a backlog and this replica gets its lock: the digest, then some replies. */
  async flush(channel: string): Promise<void> {
    const { digests, replies, metrics } = this.parts;
    const retry = this.retryAt.get(channel);
    if (retry && Date.now() < retry.atMs) return;
    const backlog = await digests.backlog(channel);
    const waitingReplies = await replies.pendingCount(channel);
    metrics.digestPending.set({ channel }, backlog.pending);
    if (backlog.pending === 0 && !backlog.openBatch && waitingReplies === 0) return;
    const { locks, log } = this.options;
    const held = await locks.acquire(channel);
    if (!held) return;
    try {
      if (backlog.pending > 0 || backlog.openBatch) await this.flushDigest(channel, held);
      if (waitingReplies > 0) await this.flushReplies(channel);
      this.retryAt.delete(channel);
    } catch (err) {
      if (err instanceof PermanentError) {
        await this.giveUp(channel, err);
        return;
      }
      const attempt = (retry?.attempt ?? 0) + 1;
      const delayMs =
        err instanceof UnavailableError && err.retryAfterMs
          ? err.retryAfterMs
          : backoffDelay(attempt, { baseMs: 500, maxMs: 30000 });
      this.retryAt.set(channel, { atMs: Date.now() + delayMs, attempt });
      log.warn(
        { err: (err as Error).message, channel, attempt, delayMs },
        'digest or grouped reply not posted, will retry',
      );
    } finally {
      await held.release();
    }
  }

  /**
   * Posts the queued replies of the channel's longest-waiting conversations, a few at once: each whose slot is
   * free at once, and up to REPLY_WAITS_PER_TURN that wait for theirs. A conversation Slack refuses for good is
   * given up and the others go on; any other failure ends the turn (the channel is retried after a delay).
   */
  private async flushReplies(channel: string): Promise<void> {
    const candidates = await this.parts.replies.conversations(channel, REPLY_CANDIDATES);
    let next = 0;
    let waits = 0;
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop && next < candidates.length) {
        const conversationId = candidates[next++];
        // A conversation being handled now is left to that handler (its line, if on time, takes them along).
        const mine = await this.options.conversationLocks.acquire(conversationId);
        if (!mine) continue;
        try {
          // A conversation still waiting for its digest books no slot and counts for nothing.
          if ((await this.replyFlush.flush(channel, conversationId, mine, 'free')) === 'no_free_slot') {
            if (waits >= REPLY_WAITS_PER_TURN) {
              stop = true;
              return;
            }
            waits += 1;
            await this.replyFlush.flush(channel, conversationId, mine, 'next');
          }
        } catch (err) {
          if (!(err instanceof PermanentError)) {
            stop = true;
            throw err;
          }
          await this.replyFlush.giveUp(channel, conversationId, err.reason);
        } finally {
          await mine.release();
        }
      }
    };
    const results = await Promise.allSettled(Array.from({ length: REPLY_FLUSHES_AT_ONCE }, worker));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async flushDigest(channel: string, held: HeldLock): Promise<void> {
    const { digests } = this.parts;
    // A batch left open (a crash, a lost answer, a holder whose lock ran out): claimed for this holder first.
    const open =
      (await digests.openBatch(channel)) &&
      (await digests.takeBatch(channel, this.options.maxSize, randomUUID(), held.fence));
    if (open && (await this.recover(channel, open))) return;
    await this.parts.pacing.waitForPost(channel);
    const batch = await digests.takeBatch(channel, this.options.maxSize, randomUUID(), held.fence);
    if (batch) await this.post(channel, batch, held);
    // More digests in this turn only while the channel has a slot free at once (a backlog after an outage, the
    // budgets off): a channel at its pace posts its one digest a turn.
    for (let more = 1; more < DIGESTS_PER_TURN; more += 1) {
      if ((await digests.backlog(channel)).pending === 0) return;
      if (!(await this.parts.pacing.trySlot(channel, 0)).now) return;
      const next = await digests.takeBatch(channel, this.options.maxSize, randomUUID(), held.fence);
      if (!next) return;
      await this.post(channel, next, held);
    }
  }

  /**
   * Slack refuses the channel for good (channel_not_found, not_in_channel, invalid_auth...): the batch's
   * conversations are released unplaced, so that their next events try a root of their own and, failing
   * the same way, reach the DLQ like any event; their first events are counted and logged here.
   */
  private async giveUp(channel: string, err: PermanentError): Promise<void> {
    const batch = await this.parts.digests.openBatch(channel);
    if (!batch) return;
    await this.parts.digests.release(channel, batch);
    this.parts.metrics.undelivered.inc({ kind: 'conversation', reason: err.reason }, batch.conversationIds.length);
    this.options.log.error(
      { err: err.message, channel, conversations: batch.conversationIds },
      'digest refused by Slack; its conversations were not notified',
    );
  }

  /** The open batch's message if it was posted already (looked up by its batch id in the metadata). */
  private async findPosted(channel: string, batch: DigestBatch): Promise<FoundMessage | null> {
    if (this.refused.has(batch.id)) return null;
    const found = await this.parts.slack.findByMetadata({
      channel: await this.parts.store.channelId(channel),
      eventTypes: [METADATA.digest, METADATA.conversation],
      oldestMs: batch.createdAtMs - LOOKBACK_MS,
      matches: (p) => p.batch_id === batch.id,
    });
    this.parts.metrics.recoveries.inc({ outcome: found ? 'found' : 'not_found' });
    return found;
  }

  /** True when the open batch turned out to be posted already (and is now recorded). */
  private async recover(channel: string, batch: DigestBatch): Promise<boolean> {
    const found = await this.findPosted(channel, batch);
    if (!found) return false;
    this.options.log.warn(
      { channel, batch: batch.id, ts: found.ts },
      'digest was posted before a crash; recorded it instead of posting again',
    );
    await this.record(channel, batch, found.eventType === METADATA.digest ? 'digest' : 'root', found);
    return true;
  }

  private async post(channel: string, batch: DigestBatch, held: HeldLock): Promise<void> {
    const { parts } = this;
    const entries: DigestEntry[] = [];
    for (const [i, state] of (await parts.store.states(batch.conversationIds)).entries()) {
      if (state.summary)
        entries.push({
          summary: state.summary,
          status: state.status,
          transcriptUrl: parts.transcriptUrl(batch.conversationIds[i]),
          taskUrl: parts.taskUrl(batch.conversationIds[i]),
        });
    }
    if (entries.length === 0) {
      await parts.digests.dropBatch(channel);
      return;
    }
    // One conversation alone is not a digest: it gets the root message (with buttons) it would have had.
    const single = entries.length === 1 ? entries[0] : undefined;
    const message = single ? renderRoot(single) : renderDigest(entries);
    const metadata: PostMetadata = single
      ? {
          event_type: METADATA.conversation,
          event_payload: {
            conversation_id: single.summary.conversationId,
            event_id: single.summary.eventId,
            batch_id: batch.id,
          },
        }
      : { event_type: METADATA.digest, event_payload: { batch_id: batch.id, conversations: entries.length } };
    let posted: PostedMessage;
    let earlier: FoundMessage | null = null;
    try {
      posted = await parts.pacing.post(channel, async () => {
        // Last check before the side effect: still this replica's lock, and still this holder's batch.
        held.assertHeld();
        if (!(await parts.digests.stillHolds(channel, batch))) throw new StaleFenceError(channel, batch.fence);
        // A batch taken over may have been posted by its earlier holder while this one waited: inside the call
        // gate every earlier post to the channel has ended, so Slack shows it now if it was posted.
        earlier = batch.resumed ? await this.findPosted(channel, batch) : null;
        return earlier ?? parts.slack.postMessage({ channel, ...message, metadata });
      });
    } catch (err) {
      if (surelyNotPosted(err)) this.refused.add(batch.id);
      throw err;
    }
    const found = earlier as FoundMessage | null;
    if (found) {
      this.options.log.warn(
        { channel, batch: batch.id, ts: found.ts },
        'digest taken over was posted by its earlier holder; recorded it instead of posting again',
      );
      await this.record(channel, batch, found.eventType === METADATA.digest ? 'digest' : 'root', found);
      return;
    }
    await this.record(channel, batch, single ? 'root' : 'digest', posted);
    parts.metrics.notifications.inc({ kind: single ? 'root' : 'digest' });
    if (!single) parts.metrics.digestedConversations.inc(entries.length);
    for (const e of entries)
      if (e.summary.receivedAtMs > 0)
        parts.metrics.shared.endToEndSeconds.observe({ stage: 'slack_post' }, secondsSince(e.summary.receivedAtMs));
    this.options.log.info(
      { channel, batch: batch.id, conversations: entries.length, ts: posted.ts },
      single ? 'posted a queued conversation as its root' : 'posted digest',
    );
  }

  private async record(
    channel: string,
    batch: DigestBatch,
    place: 'root' | 'digest',
    posted: PostedMessage,
  ): Promise<void> {
    const { parts } = this;
    // A newer holder took the batch over: it finds this post by its metadata and records it.
    if (!(await parts.digests.stillHolds(channel, batch))) throw new StaleFenceError(channel, batch.fence);
    await parts.digests.recordPosted(channel, batch, place, posted);
    this.refused.delete(batch.id);
    try {
      await parts.digests.recordPermalink(
        batch.conversationIds,
        posted,
        await parts.slack.permalink(posted.channel, posted.ts),
      );
    } catch (err) {
      // Recorded where they are; the permalink is filled in by the conversations' next events.
      this.options.log.warn({ err: (err as Error).message, channel }, 'no permalink for the digest yet');
    }
  }
}
