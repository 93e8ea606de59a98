// Re-rendering a conversation's Slack message in place (chat.update) from what Redis holds: after a status
// change (buttons and "who acted"), or to show a bot's request for a human. A root is re-rendered alone; a
// digest is re-rendered with every conversation it lists.
import type { Logger } from '@switchboard/core';
import { renderDigest, type DigestEntry } from './digest';
import type { DigestStore } from './digest-store';
import type { NotifierMetrics } from './metrics';
import type { SlackPacing } from './pacing';
import { renderRoot, type SlackMessage } from './render';
import type { SlackPort } from './slack';
import { waitedText } from './sla-view';
import type { ConversationState, ConversationStore } from './state';

/** What re-rendering a conversation's message uses. */
export interface RefreshParts {
  slack: SlackPort;
  store: ConversationStore;
  digests: DigestStore;
  pacing: SlackPacing;
  metrics: NotifierMetrics;
  transcriptUrl: (conversationId: string) => string;
  /** The console's link to the conversation's Asana task (agreements' taskUrl): shown from the first post. */
  taskUrl: (conversationId: string) => string;
}

async function digestMessage(
  parts: Pick<RefreshParts, 'store' | 'digests' | 'transcriptUrl' | 'taskUrl'>,
  state: ConversationState,
): Promise<SlackMessage | null> {
  const ids = await parts.digests.members(state.channelId!, state.ts!);
  const entries: DigestEntry[] = [];
  for (const [i, member] of (await parts.store.states(ids)).entries()) {
    if (!member.summary) continue;
    entries.push({
      summary: member.summary,
      status: member.status,
      transcriptUrl: parts.transcriptUrl(ids[i]),
      taskUrl: parts.taskUrl(ids[i]),
      waited: waitedText(member.status, Date.now()),
      // A listed conversation with a root of its own was promoted from here ("Open thread").
      ...(member.place === 'root' || member.promotedFrom ? { movedTo: { permalink: member.permalink } } : {}),
    });
  }
  return entries.length > 0 ? renderDigest(entries) : null;
}

/** How long an optional update (a deadline's start or stop) may wait for the chat.update budget before it is left for later. */
const IF_FREE_WAIT_MS = 3000;

/**
 * Updates the conversation's message to show `state` (status, a request for a human, a deadline). `when:
 * 'soon'` waits for the shared chat.update budget; `'if_free'` updates only if a slot is free within a few
 * seconds, and otherwise leaves it for a later change. True when updated.
 */
export async function refreshMessage(
  parts: RefreshParts,
  conversationId: string,
  state: ConversationState,
  when: 'soon' | 'if_free',
  log: Logger,
): Promise<boolean> {
  if (!state.channelId || !state.ts || !state.summary) return false;
  let message: SlackMessage | null;
  if (state.place === 'root') {
    message = renderRoot({
      summary: state.summary,
      status: state.status,
      transcriptUrl: parts.transcriptUrl(conversationId),
      taskUrl: parts.taskUrl(conversationId),
      nowMs: Date.now(),
    });
  } else if (state.place === 'digest') {
    message = await digestMessage(parts, state);
  } else {
    return false;
  }
  if (!message) return false;
  if (when === 'soon') await parts.pacing.waitForUpdate();
  else if (!(await parts.pacing.updateSlotWithin(IF_FREE_WAIT_MS))) return false;
  await parts.slack.updateMessage({ channel: state.channelId, ts: state.ts, ...message });
  parts.metrics.notifications.inc({ kind: 'update' });
  log.info({ place: state.place, ts: state.ts }, 'updated the conversation message');
  return true;
}
