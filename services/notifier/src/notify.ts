// conv.classified → Slack: a new conversation gets its root message (or a line in a digest), later messages
// replies in its thread, each at most once; denied and spam-marked conversations stay silent. The decision
// is decide.ts; the posting is posting.ts; this handler reads the facts and runs them under the lock.
import type { ClassifiedEventSchema } from '@switchboard/proto';
import type { Delivery } from '@switchboard/bus';
import { withConversationLock, type NotifierContext } from './context';
import { decideClassified, needsTaskLink, type ClassifiedAction } from './decide';
import { suppress } from './metrics';
import { ensurePermalink, placeConversation, replyInThread } from './posting';
import { refreshMessage } from './refresh';
import type { EventFacts } from './state';

export function notifierHandler(ctx: NotifierContext) {
  const { store, metrics } = ctx;
  const decide = (delivery: Delivery<typeof ClassifiedEventSchema>, facts: EventFacts): ClassifiedAction =>
    decideClassified({
      event: delivery.event,
      done: facts.done,
      spamConversation: facts.spamConversation,
      spamTeam: facts.spamTeam,
      place: facts.state.place,
      firstEventId: facts.state.firstEventId,
      threadMinimum: ctx.threadMinimum,
    });

  return async (delivery: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    const { event, log } = delivery;
    const m = event.message;
    if (!m) return;
    const facts = await store.facts(m.conversationId, m.eventId, m.team?.id ?? '');
    const first = decide(delivery, facts);
    if (first.act === 'nothing' && first.why === 'duplicate') {
      metrics.shared.eventsTotal.inc({ topic: 'slack', outcome: 'duplicate' });
      return;
    }
    const linkTask = needsTaskLink(facts.state.place, facts.state.taskUrl, facts.knownTaskUrl);
    if (first.act === 'suppress' && !linkTask) {
      suppress(metrics, first.reason);
      log.debug({ reason: first.reason }, 'not notified');
      await store.done.markDone(m.eventId);
      return;
    }

    // Everything else touches the conversation's Slack message: one replica at a time, on fresh facts.
    await withConversationLock(ctx, m.conversationId, async () => {
      const state = await store.state(m.conversationId);
      const fresh = { ...facts, state };
      const action = decide(delivery, fresh);
      if (needsTaskLink(state.place, state.taskUrl, facts.knownTaskUrl)) {
        await refreshMessage(ctx, m.conversationId, state, facts.knownTaskUrl, 'if_free', log);
      }
      switch (action.act) {
        case 'place':
          await placeConversation(ctx, event, state, facts.knownTaskUrl, log);
          break;
        case 'thread':
          await replyInThread(ctx, event, state, facts.repliesQueued, log);
          break;
        case 'nothing':
          await ensurePermalink(ctx, m.conversationId, state);
          break;
        case 'suppress':
          suppress(metrics, action.reason);
          break;
      }
    });
    await store.done.markDone(m.eventId);
  };
}
