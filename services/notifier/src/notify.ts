// conv.classified → Slack: a new conversation gets its root message (or a line in a digest), later messages
// replies in its thread, each at most once; denied and spam-marked conversations stay silent. The decision
// is decide.ts; the posting is posting.ts; this handler reads the facts and runs them under the lock.
import type { ClassifiedEventSchema } from '@switchboard/proto';
import { handoffOf, withHandoff } from './conversation';
import type { Delivery } from '@switchboard/bus';
import type { Priority } from '@switchboard/proto';
import { spamSubjectOf, type Locks } from '@switchboard/store';
import { decideClassified, type ClassifiedAction } from './decide';
import { suppress } from './metrics';
import { withConversationLock } from './post-markers';
import { ensurePermalink, placeConversation, type PlacingParts, type ThreadingParts } from './posting';
import { ensureChannelRebuilt } from './rebuild';
import { summarize } from './conversation';
import { refreshMessage, type RefreshParts } from './refresh';
import type { EventFacts } from './state';
import { classifiedLine } from './thread-lines';
import { postThreadLine } from './thread-post';

/** What handling a classified event uses: the posting and refreshing parts, the locks, and the thread threshold. */
export interface ClassifiedParts extends PlacingParts, ThreadingParts, RefreshParts {
  locks: Locks;
  /** Later user messages below this priority stay out of the thread (NOTIFIER_THREAD_MIN_PRIORITY). */
  threadMinimum: Priority;
  /** The bot's replies go into the thread too (NOTIFIER_THREAD_BOT_MESSAGES). */
  threadBotMessages: boolean;
}

export function notifierHandler(parts: ClassifiedParts) {
  const { store, metrics } = parts;
  const decide = (delivery: Delivery<typeof ClassifiedEventSchema>, facts: EventFacts): ClassifiedAction =>
    decideClassified({
      event: delivery.event,
      done: facts.done,
      spamConversation: facts.spamConversation,
      spamUser: facts.spamUser,
      spamTeam: facts.spamTeam,
      place: facts.state.place,
      firstEventId: facts.state.firstEventId,
      threadMinimum: parts.threadMinimum,
      threadBotMessages: parts.threadBotMessages,
    });

  return async (delivery: Delivery<typeof ClassifiedEventSchema>): Promise<void> => {
    const { event, log } = delivery;
    const m = event.message;
    if (!m) return;
    const facts = await store.facts(spamSubjectOf(m), m.eventId);
    const first = decide(delivery, facts);
    if (first.act === 'nothing' && first.why === 'duplicate') {
      metrics.shared.eventsTotal.inc({ topic: 'slack', outcome: 'duplicate' });
      return;
    }
    // The bot asks for a human: the root shows it, whatever the thread does with the event.
    const handoff =
      first.act === 'suppress' && (first.reason === 'denied' || first.reason.startsWith('spam'))
        ? null
        : handoffOf(event);
    if (first.act === 'suppress' && !handoff) {
      suppress(metrics, first.reason);
      log.debug({ reason: first.reason }, 'not notified');
      await store.done.markDone(m.eventId);
      return;
    }

    // Everything else touches the conversation's Slack message: one replica at a time, on fresh facts (and whether
    // an earlier attempt at this event's thread line may have posted it, read with them).
    const acted = await withConversationLock(parts.locks, m.conversationId, async (held) => {
      const underLock = await store.stateAndIntent(m.conversationId, m.eventId);
      let state = underLock.state;
      // A conversation that looks new may be one this Redis forgot (a Redis loss): its channel's roots first.
      if (
        state.place === undefined &&
        (await ensureChannelRebuilt(parts, parts.channelOf(summarize(event)), log)) > 0
      ) {
        state = await store.state(m.conversationId);
      }
      if (handoff) {
        // Kept with the status, so every later re-render shows it until Take over, a timeout, or close.
        const status = withHandoff(state.status ?? {}, handoff);
        await store.update(m.conversationId, { status: JSON.stringify(status) });
        state = { ...state, status };
      }
      const fresh = { ...facts, state };
      const action = decide(delivery, fresh);
      switch (action.act) {
        case 'place':
          await placeConversation(parts, event, state, log, held);
          break;
        case 'thread':
          // The line's id is the event's (classifiedLine), so the intent read above is the line's.
          await postThreadLine(parts, classifiedLine(event), state, facts.repliesQueued, log, held, underLock.intent);
          break;
        case 'nothing':
          await ensurePermalink(parts, m.conversationId, state);
          break;
        case 'suppress':
          suppress(metrics, action.reason);
          break;
      }
      // An existing conversation's root shows the request now (a new one was just posted with it).
      if (handoff && action.act !== 'place') await refreshMessage(parts, m.conversationId, state, 'soon', log);
      return action.act;
    });
    // A thread line is done-marked by its post or its queueing (postThreadLine), in the same round trip.
    if (acted !== 'thread') await store.done.markDone(m.eventId);
  };
}
