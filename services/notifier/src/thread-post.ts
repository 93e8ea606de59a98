// Posting one line of a conversation's thread exactly once, whatever its source (a later message, an operator's
// reply, a note, a state change): through the channel's budget, grouped with others when it would be late, with
// an intent marker before the post and the line's id in its metadata, looked up in Slack after a crash.
// Runs under the conversation's lock.
import { PermanentError } from '@switchboard/bus';
import { Priority } from '@switchboard/proto';
import { secondsSince, type Logger } from '@switchboard/core';
import type { HeldLock } from '@switchboard/store';
import { replyPlacement, slotWaitLimit } from './decide';
import { METADATA } from './post-markers';
import { QUEUED_LINE_ROOM, lineInDigest } from './render';
import { surelyNotPosted } from './slack';
import type { ConversationState } from './state';
import { renderLine, renderLineText, type ThreadLine } from './thread-lines';
import type { ThreadingParts } from './posting';

/** Slack could not fetch an image of the line (it refuses the blocks): the line is posted with links only. */
function imageRefused(err: unknown, blocks: object[]): boolean {
  return (
    err instanceof PermanentError &&
    err.reason === 'slack_invalid_blocks' &&
    blocks.some((b) => (b as { type?: string }).type === 'image')
  );
}

/**
 * A line in the conversation's thread (its root's, or its digest's, naming the conversation): posted now if it
 * can be within `digestAfterMs` of its arrival (urgent ones always), else queued with the conversation's other
 * late lines for the flusher to post together — as is every line while some are queued, or while the
 * conversation itself still waits for its digest, so that the thread keeps the order. The line is done once
 * posted or queued (done-mark of `line.lineId` in the notifier's scope). `intent`: whether the line's post intent
 * is set, when the caller read it with the state under the same lock (else it is asked here).
 */
export async function postThreadLine(
  parts: ThreadingParts,
  line: ThreadLine,
  state: ConversationState,
  repliesQueued: boolean,
  log: Logger,
  held: HeldLock,
  intent?: boolean,
): Promise<void> {
  const { conversationId, lineId } = line;
  const { channelId, ts } = state;
  const channel = state.channel ?? channelId;
  if (!channel) throw new Error(`conversation ${conversationId} has a thread but no channel`);
  const placed = state.place === 'root' || state.place === 'digest';
  if (placed && (intent ?? (await parts.store.hasIntent(lineId)))) {
    const found = await parts.slack.findByMetadata({
      channel: channelId!,
      threadTs: ts,
      eventTypes: [METADATA.message],
      matches: (p) => p.event_id === lineId,
    });
    parts.metrics.recoveries.inc({ outcome: found ? 'found' : 'not_found' });
    if (found) {
      log.warn({ ts: found.ts }, 'thread line was posted before a crash; not posting it again');
      await parts.store.finish(lineId);
      return;
    }
  }
  const rule = {
    priority: line.priority,
    ageMs: line.receivedAtMs > 0 ? Math.max(0, Date.now() - line.receivedAtMs) : 0,
    digestAfterMs: parts.digestAfterMs,
    placed,
    repliesQueued,
  };
  let where = replyPlacement(rule);
  const slot = where === 'ask_slot' ? await parts.pacing.trySlot(channel, slotWaitLimit(rule)) : undefined;
  if (slot) where = replyPlacement({ ...rule, slot });
  if (where === 'queue' || where === 'with_queued') {
    const reply = {
      eventId: lineId,
      line: renderLineText(line, QUEUED_LINE_ROOM),
      priority: line.priority,
      receivedAtMs: line.receivedAtMs,
      ...(line.evenIfSpam ? { evenIfSpam: true } : {}),
    };
    const urgent = line.priority >= Priority.URGENT;
    if (where === 'with_queued') {
      const posted = await parts.drain.queueAndPost(
        channel,
        conversationId,
        reply,
        urgent,
        slotWaitLimit(rule),
        held,
        log,
      );
      log.debug({ channel, posted }, 'thread line queued behind others, and posted with them if a slot was free');
      return;
    }
    await parts.replies.queue(channel, conversationId, reply, urgent);
    log.info({ channel, ageMs: rule.ageMs }, 'behind the channel budget: thread line queued to be posted with others');
    return;
  }
  if (where === 'wait_and_post' && slot) await parts.pacing.waitFor(slot);
  await parts.store.setIntent(lineId);
  const inDigest =
    state.place === 'digest' && state.summary
      ? lineInDigest({ summary: state.summary, transcriptUrl: parts.transcriptUrl(conversationId) })
      : undefined;
  const post = (message: { text: string; blocks: object[] }) =>
    parts.pacing.post(channel, () => {
      held.assertHeld();
      return parts.slack.postMessage({
        channel: channelId!,
        threadTs: ts,
        ...message,
        metadata: {
          event_type: METADATA.message,
          event_payload: { conversation_id: conversationId, event_id: lineId },
        },
        // A conversation that only has a line in a digest must not have an urgent message hidden in a thread.
        replyBroadcast: inDigest !== undefined && line.priority >= Priority.URGENT,
      });
    });
  const message = renderLine(line, inDigest);
  try {
    try {
      await post(message);
    } catch (err) {
      if (!imageRefused(err, message.blocks)) throw err;
      log.warn({ err: (err as Error).message }, 'Slack refused the line’s images: posted with their links only');
      await post({ ...message, blocks: message.blocks.filter((b) => (b as { type?: string }).type !== 'image') });
    }
  } catch (err) {
    if (surelyNotPosted(err)) await parts.store.clearIntent(lineId);
    throw err;
  }
  await parts.store.finish(lineId);
  parts.metrics.notifications.inc({ kind: 'thread' });
  if (line.receivedAtMs > 0)
    parts.metrics.shared.endToEndSeconds.observe({ stage: 'slack_post' }, secondsSince(line.receivedAtMs));
}
