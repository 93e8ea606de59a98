// What to do with a classified event, and where a new conversation goes: pure decisions from what Redis
// says about the conversation, so that the rules read (and are tested) as a table. Self-contained: nothing
// here renders or stores anything, and nothing here imports what does.
import { Direction, EventKind, Priority, type ClassifiedEvent } from '@switchboard/proto';

/** Where a conversation's Slack message is. `posting`: a post was started and not recorded (maybe a crash). */
export type Place = 'posting' | 'pending' | 'root' | 'digest';

export type SuppressReason = 'denied' | 'spam_conversation' | 'spam_user' | 'spam_team' | 'below_threshold';

export interface ClassifiedFacts {
  event: ClassifiedEvent;
  /** This event's side effect is already done (a redelivery). */
  done: boolean;
  spamConversation: boolean;
  spamUser: boolean;
  spamTeam: boolean;
  place?: Place;
  firstEventId?: string;
  threadMinimum: Priority;
  /** The bot's replies go into the thread too (NOTIFIER_THREAD_BOT_MESSAGES). */
  threadBotMessages?: boolean;
}

export type ClassifiedAction =
  | { act: 'nothing'; why: 'duplicate' | 'already_placed' | 'repeated_start' }
  | { act: 'suppress'; reason: SuppressReason }
  /** A new conversation: its own root message, or a place in the channel's next digest. */
  | { act: 'place' }
  /** A reply in the conversation's thread (now, or grouped with others by the flusher). */
  | { act: 'thread' };

/**
 * Which later messages go into the thread: user messages at or above the threshold, rule hits, and (when
 * `botMessages`) every bot reply. Operators' messages come from bot.outbound, not from here.
 */
export function threadWorthy(event: ClassifiedEvent, minimum: Priority, botMessages = false): boolean {
  const direction = event.message?.direction ?? Direction.USER;
  const fromUser = direction === Direction.USER;
  return (
    (fromUser && event.priority >= minimum) ||
    event.matchedRules.length > 0 ||
    (botMessages && direction === Direction.BOT)
  );
}

export function decideClassified(f: ClassifiedFacts): ClassifiedAction {
  const eventId = f.event.message?.eventId ?? '';
  if (f.done) return { act: 'nothing', why: 'duplicate' };
  if (f.event.denied) return { act: 'suppress', reason: 'denied' };
  if (f.spamConversation) return { act: 'suppress', reason: 'spam_conversation' };
  if (f.spamUser) return { act: 'suppress', reason: 'spam_user' };
  if (f.spamTeam) return { act: 'suppress', reason: 'spam_team' };
  if (f.place === undefined || f.place === 'posting') return { act: 'place' };
  if (f.firstEventId === eventId) return { act: 'nothing', why: 'already_placed' };
  if (f.event.kind === EventKind.CONVERSATION_STARTED) return { act: 'nothing', why: 'repeated_start' };
  return threadWorthy(f.event, f.threadMinimum, f.threadBotMessages)
    ? { act: 'thread' }
    : { act: 'suppress', reason: 'below_threshold' };
}

/** Post now, wait (briefly) for the channel's slot and post, or queue for the flusher (digest, grouped replies). */
export type Placement = 'post_now' | 'wait_and_post' | 'queue';

/**
 * A new conversation's own root, or the digest queue; likewise a thread reply, or the conversation's queue of
 * replies posted together. Urgent ones are posted on their own. The others are if they can be posted within
 * `digestAfterMs` of the event's arrival — counting both the time the event already spent getting here
 * (`ageMs`: a backlog in Kafka is as late as a queue at Slack) and the wait for the channel's next free
 * slot — else they are queued rather than fall behind.
 */
export function placement(input: {
  priority: Priority;
  ageMs: number;
  digestAfterMs: number;
  /** The answer to asking for a slot within `slotWaitLimit` (booked in the same step). */
  slot?: { now: boolean; booked: boolean; waitMs: number };
}): Placement | 'ask_slot' {
  const { priority, ageMs, digestAfterMs, slot } = input;
  const urgent = priority >= Priority.URGENT;
  if (!urgent && ageMs > digestAfterMs) return 'queue';
  if (!slot) return 'ask_slot';
  if (slot.now) return 'post_now';
  return slot.booked ? 'wait_and_post' : 'queue';
}

/** The longest a post may wait for its slot: urgent ones as long as it takes, others until `digestAfterMs` of age. */
export function slotWaitLimit(input: { priority: Priority; ageMs: number; digestAfterMs: number }): number {
  if (input.priority >= Priority.URGENT) return Infinity;
  return Math.max(0, input.digestAfterMs - input.ageMs);
}

/**
 * A thread reply: as `placement`, except that while the conversation is itself still queued for a digest, or has
 * replies queued, every reply joins the queue, urgent ones too, so the thread keeps the messages' order. Behind
 * queued replies, one that would be posted on its own (on time, or urgent) takes them with it: it is queued and
 * the conversation's queue posted at once in the slot it may have ('with_queued'), so a conversation does not
 * keep grouping every later line until the flusher comes to it.
 */
export function replyPlacement(
  input: Parameters<typeof placement>[0] & { placed: boolean; repliesQueued: boolean },
): Placement | 'ask_slot' | 'with_queued' {
  if (!input.placed) return 'queue';
  const alone = placement(input);
  if (!input.repliesQueued || alone === 'queue') return alone;
  return 'with_queued';
}
