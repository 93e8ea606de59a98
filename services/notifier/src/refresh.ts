// Re-rendering a conversation's Slack message in place (chat.update) from what Redis holds: after a status
// change (buttons and "who acted"), or when the Asana task became known after the root was posted. A root
// is re-rendered alone; a digest is re-rendered with every conversation it lists.
import type { Logger } from '@switchboard/core';
import type { NotifierContext } from './context';
import { renderDigest, type DigestEntry } from './digest';
import { renderRoot, type SlackMessage } from './render';
import type { ConversationState } from './state';

async function digestMessage(ctx: NotifierContext, state: ConversationState): Promise<SlackMessage | null> {
  const ids = await ctx.digests.members(state.channelId!, state.ts!);
  const entries: DigestEntry[] = [];
  for (const [i, { state: member, knownTaskUrl }] of (await ctx.store.states(ids)).entries()) {
    if (!member.summary) continue;
    entries.push({ summary: member.summary, status: member.status, transcriptUrl: ctx.transcriptUrl(ids[i]), taskUrl: knownTaskUrl ?? member.taskUrl });
  }
  return entries.length > 0 ? renderDigest(entries) : null;
}

/** How long an optional update (the task link) may wait for the chat.update budget before it is left for later. */
const IF_FREE_WAIT_MS = 3000;

/**
 * Updates the conversation's message to show `state` (status and task link). `when: 'soon'` waits for the
 * shared chat.update budget; `'if_free'` updates only if a slot is free within a few seconds, and otherwise
 * leaves it for a later event (the task link is worth adding, not worth queueing behind a burst). True when updated.
 */
export async function refreshMessage(
  ctx: NotifierContext,
  conversationId: string,
  state: ConversationState,
  knownTaskUrl: string | undefined,
  when: 'soon' | 'if_free',
  log: Logger,
): Promise<boolean> {
  if (!state.channelId || !state.ts || !state.summary) return false;
  const taskUrl = knownTaskUrl ?? state.taskUrl;
  let message: SlackMessage | null;
  if (state.place === 'root') {
    message = renderRoot({ summary: state.summary, status: state.status, transcriptUrl: ctx.transcriptUrl(conversationId), taskUrl });
  } else if (state.place === 'digest') {
    message = await digestMessage(ctx, state);
  } else {
    return false;
  }
  if (!message) return false;
  if (when === 'soon') await ctx.pacing.waitForUpdate();
  else if (!(await ctx.pacing.updateSlotWithin(IF_FREE_WAIT_MS))) return false;
  await ctx.slack.updateMessage({ channel: state.channelId, ts: state.ts, ...message });
  if (state.place === 'root' && taskUrl && taskUrl !== state.taskUrl) await ctx.store.update(conversationId, { task_url: taskUrl });
  ctx.metrics.notifications.inc({ kind: 'update' });
  log.info({ place: state.place, ts: state.ts }, 'updated the conversation message');
  return true;
}
