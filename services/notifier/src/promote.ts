// "Open thread" on a digest's line (StatusEvent THREAD_OPENED): the conversation gets the root message of its
// own it would have had, once (intent marker and metadata look-up as for any root), its thread is recorded
// for the status service and the ticketer, and the digest's line says where it went. Later lines go there.
import type { Logger } from '@switchboard/core';
import type { StatusEvent } from '@switchboard/proto';
import type { Locks } from '@switchboard/store';
import { withConversationLock } from './post-markers';
import { ensurePermalink, findPostedRoot, postRoot, recordRoot } from './posting';
import { refreshMessage, type RefreshParts } from './refresh';
import { renderRoot } from './render';

/** Promotes a conversation listed in a digest to a root of its own; anything else is left as it is. */
export async function openThread(
  parts: RefreshParts & { locks: Locks },
  event: StatusEvent,
  log: Logger,
): Promise<'promoted' | 'not_in_digest'> {
  const { store, pacing } = parts;
  const id = event.conversationId;
  return withConversationLock(parts.locks, id, async (held) => {
    let state = await store.state(id);
    const resuming = state.place === 'posting' && state.promotedFrom !== undefined;
    if (!resuming && !(state.place === 'digest' && state.channelId && state.ts)) {
      log.info({ place: state.place }, 'Open thread: not a conversation listed in a digest; nothing to do');
      return 'not_in_digest';
    }
    const summary = state.summary;
    const channel = state.channel;
    if (!summary || !channel) throw new Error(`conversation ${id} is in a digest without its summary or channel`);
    const from = state.promotedFrom ?? { channelId: state.channelId!, ts: state.ts! };
    if (!resuming) {
      await store.update(id, { promoted_from: JSON.stringify(from) });
      state = { ...state, promotedFrom: from };
    }

    // A crash (or a lost answer) after the post started: find it before posting again.
    let posted = resuming ? await findPostedRoot(parts, id, channel, state.postingAtMs) : null;
    if (!posted) {
      await pacing.waitForPost(channel);
      await store.markPosting(id, summary, channel);
      const message = renderRoot({
        summary,
        status: state.status,
        transcriptUrl: parts.transcriptUrl(id),
        taskUrl: parts.taskUrl(id),
      });
      // Slack said no: it stays in its digest, and a redelivery tries again.
      posted = await postRoot(parts, channel, summary, message, held, { place: 'digest', promoted_from: '' });
      parts.metrics.notifications.inc({ kind: 'root' });
    }
    await recordRoot(parts, id, channel, posted);
    await ensurePermalink(parts, id, { channelId: posted.channel, ts: posted.ts });
    log.info({ channel: posted.channel, ts: posted.ts, digest: from.ts }, 'Open thread: posted its own root');
    // The digest's line now says "moved to its own thread", with the link.
    await refreshMessage(parts, id, { place: 'digest', channelId: from.channelId, ts: from.ts, summary }, 'soon', log);
    return 'promoted';
  });
}
