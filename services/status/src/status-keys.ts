// The status service's Redis keys: the store package's shared keys (control, refs, locks, rate budgets,
// the notifier's digest messages) plus the keys only this service reads and writes, named here.
import { createKeys, type Keys } from '@switchboard/store';

export interface StatusKeys extends Keys {
  /** The conversation's transcript: a capped list of events, oldest first. */
  transcript(conversationId: string): string;
  /** Ids of the events already in the transcript. */
  transcriptIds(conversationId: string): string;
  /** The conversation's owner (JSON, conversation/owner.ts): who is responsible, not who holds a takeover. */
  owner(conversationId: string): string;
  /** Who holds a taken-over conversation and until when (hash: operator, since, until). */
  takeover(conversationId: string): string;
  /** Taken-over conversations by the time their idle timeout hands them back (sorted set, ms). */
  takeoverDeadlines(): string;
  /** The bot's latest request for a human (hash: requestId, reason, summary, team, metadata, requestedAt, until, outcome). */
  handoff(conversationId: string): string;
  /** Conversations waiting for an operator by their handoff's deadline (sorted set, ms; a claim moves it on by a lease). */
  handoffDeadlines(): string;
  /** The summary of a conversation for the console list (hash). */
  consoleConversation(conversationId: string): string;
  /** Conversations by their last activity (sorted set, ms), newest last. */
  consoleConversations(): string;
  /** Delivery of operator messages to the bot's webhook, by event id (hash). */
  botDelivery(conversationId: string): string;
  /** A Slack/Asana delivery or console form: `working:<token>` while acted on (short TTL, renewed), then `done`. */
  inboundSeen(source: string, id: string): string;
  /** An operator's name and email by Slack or Asana user id, cached from their APIs. */
  operatorProfile(source: string, userId: string): string;
  /** A Slack thread reply waiting for its operator's Send / Keep as note (STATUS_THREAD_REPLY_MODE=confirm). */
  pendingThreadReply(id: string): string;
  /** The choice made for a pending thread reply (the first one wins). */
  pendingThreadReplyChoice(id: string): string;
  /** The secret Asana gave in the webhook handshake. */
  asanaWebhookSecret(): string;
  /** The random path segment of a registration under way: the only place a handshake is accepted. */
  asanaWebhookHandshake(): string;
  /** The random path segment of the registered webhook's target. */
  asanaWebhookTarget(): string;
  /** The Redis pub/sub channel that carries transcript and status updates to every console. */
  liveUpdates(): string;
  /** A console session (hash: login, name, email, created), expiring when idle. */
  consoleSession(sessionId: string): string;
  /** The session ids of one operator (set), so removing the operator ends them all. */
  consoleSessionsOf(login: string): string;
  /** A conversation's triage timeline (hash: times in ms, who, state; see conversation/timeline.ts). */
  timeline(conversationId: string): string;
  /** Ids of the events already applied to a conversation's timeline (set). */
  timelineApplied(conversationId: string): string;
  /** Every timeline by its start (sorted set, ms): the console list, stats and export walk it. */
  timelinesByStart(): string;
  /** Open conversations in one state and priority (sorted set, score = start ms): the open-conversations gauge. */
  timelineOpen(state: string, priority: string): string;
}

export function statusKeys(prefix = 'sb:'): StatusKeys {
  const k = (...parts: string[]) => prefix + parts.join(':');
  return {
    ...createKeys(prefix),
    transcript: (id) => k('conv', id, 'transcript'),
    transcriptIds: (id) => k('conv', id, 'transcript-ids'),
    owner: (id) => k('conv', id, 'owner'),
    takeover: (id) => k('conv', id, 'takeover'),
    takeoverDeadlines: () => k('status', 'takeover-deadlines'),
    handoff: (id) => k('conv', id, 'handoff'),
    handoffDeadlines: () => k('status', 'handoff-deadlines'),
    consoleConversation: (id) => k('conv', id, 'console'),
    consoleConversations: () => k('status', 'conversations'),
    botDelivery: (id) => k('conv', id, 'bot-delivery'),
    inboundSeen: (source, id) => k('status', 'seen', source, id),
    operatorProfile: (source, userId) => k('status', 'operator', source, userId),
    pendingThreadReply: (id) => k('status', 'pending-reply', id),
    pendingThreadReplyChoice: (id) => k('status', 'pending-reply', id, 'chosen'),
    asanaWebhookSecret: () => k('status', 'asana-webhook', 'secret'),
    asanaWebhookHandshake: () => k('status', 'asana-webhook', 'handshake'),
    asanaWebhookTarget: () => k('status', 'asana-webhook', 'target'),
    liveUpdates: () => k('status', 'live'),
    consoleSession: (sid) => k('status', 'session', sid),
    consoleSessionsOf: (login) => k('status', 'operator-sessions', login.toLowerCase()),
    timeline: (id) => k('conv', id, 'timeline'),
    timelineApplied: (id) => k('conv', id, 'timeline-applied'),
    timelinesByStart: () => k('status', 'timelines'),
    timelineOpen: (state, priority) => k('status', 'open', state, priority),
  };
}
