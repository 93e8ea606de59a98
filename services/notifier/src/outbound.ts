// bot.outbound → Slack: an operator's reply to the user (from the console, or Asana) as a line in the
// conversation's thread, once; one typed in Slack is in the thread already and the bot's control changes show
// as the state lines of their conv.status events (thread-lines.ts decides). Spam-marked conversations stay silent.
import type { OperatorMessageSchema } from '@switchboard/proto';
import type { Delivery } from '@switchboard/bus';
import type { Locks } from '@switchboard/store';
import { withConversationLock } from './post-markers';
import type { ThreadingParts } from './posting';
import { outboundLine, type ThreadLine } from './thread-lines';
import { postThreadLine } from './thread-post';
import { botOfId, type Logger } from '@switchboard/core';

/** What threading a line from another topic uses: the threading parts and the conversation lock. */
export interface LineParts extends ThreadingParts {
  locks: Locks;
}

/**
 * Posts (or queues) a line in its conversation's thread unless it is done already, the conversation is marked
 * spam (unless the line is shown `evenIfSpam`: the operators' own state lines), or it has no place in Slack
 * (denied, or not seen yet: nothing to thread into). Returns what happened.
 */
export async function threadLine(
  parts: LineParts,
  line: ThreadLine,
  teamId: string,
  log: Logger,
): Promise<'posted' | 'duplicate' | 'spam_conversation' | 'spam_user' | 'spam_team' | 'no_thread'> {
  const { store } = parts;
  const subject = {
    conversationId: line.conversationId,
    bot: botOfId(line.conversationId),
    teamId: teamId || undefined,
  };
  const facts = await store.facts(subject, line.lineId);
  if (facts.done) return 'duplicate';
  if (!line.evenIfSpam && (facts.spamConversation || facts.spamUser || facts.spamTeam)) {
    const reason = facts.spamConversation ? 'spam_conversation' : facts.spamUser ? 'spam_user' : 'spam_team';
    parts.metrics.suppressed.inc({ reason });
    await store.done.markDone(line.lineId);
    return reason;
  }
  const outcome = await withConversationLock(parts.locks, line.conversationId, async (held) => {
    const fresh = await store.facts(subject, line.lineId);
    if (fresh.done) return 'duplicate' as const;
    if (fresh.state.place === undefined) return 'no_thread' as const;
    await postThreadLine(parts, line, fresh.state, fresh.repliesQueued, log, held);
    return 'posted' as const;
  });
  if (outcome === 'no_thread') {
    log.info({ line: line.lineId }, 'conversation has no Slack message (denied, or not seen yet): line not threaded');
    parts.metrics.suppressed.inc({ reason: 'no_thread' });
    await store.done.markDone(line.lineId);
  }
  return outcome;
}

export function outboundHandler(parts: LineParts) {
  return async ({ event, log }: Delivery<typeof OperatorMessageSchema>): Promise<void> => {
    const line = event.conversationId ? outboundLine(event) : null;
    if (!line) return;
    const outcome = await threadLine(parts, line, event.teamId, log);
    if (outcome === 'duplicate') parts.metrics.shared.eventsTotal.inc({ topic: 'slack', outcome: 'duplicate' });
  };
}
