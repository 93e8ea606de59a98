// The Redis keys more than one service relies on, named in one place (a service's private keys live in that
// service, built with `key`). A prefix (REDIS_KEY_PREFIX) lets several installations or test runs share one
// Redis without seeing each other's keys.

export interface Keys {
  /** A key under the installation's prefix, from its parts: how a service names its own private keys. */
  key(...parts: string[]): string;
  /** The event id that started a conversation (SET NX): the first event wins, survives restarts. */
  conversationStarted(conversationId: string): string;
  /** Milliseconds of the conversation's last event, to detect resumption after silence. */
  conversationLastSeen(conversationId: string): string;
  /** "human" while an operator holds the conversation; absent means the bot does. */
  control(conversationId: string): string;
  /** Marks one side effect of one event as done, per consumer: idempotency by event id. */
  done(scope: string, eventId: string): string;
  /** A short lock around a side effect that must happen once (create the task, post the root). */
  lock(scope: string, conversationId: string): string;
  /** The Slack root message (channel and ts) of a conversation's triage notification. */
  slackRoot(conversationId: string): string;
  /** The Asana task gid of a conversation. */
  asanaTask(conversationId: string): string;
  /** The conversation's transcript: a capped list of events, oldest first. */
  transcript(conversationId: string): string;
  /** Ids of the events already in the transcript. */
  transcriptIds(conversationId: string): string;
  /** Ingress's record of an accepted client event id (idempotency key). */
  ingressAccepted(eventId: string): string;
  /** A shared rate budget (Slack, Asana, per API key). */
  rateBudget(name: string): string;
  /** The calls of a rate budget in flight and their recent ends (RateBudget.call). */
  rateBudgetCalls(name: string, part: 'in-flight' | 'ends'): string;
  /** The fencing counter of a lock: rises with every acquisition (Locks). */
  lockFence(scope: string, id: string): string;
  /** The conversation ids a posted digest message lists, by the message's channel id and ts (DigestListings). */
  digestMessage(channelId: string, ts: string): string;
  /** The conversation whose Slack thread starts at this message (channel id, ts): the reverse of slackRoot. */
  slackThread(channelId: string, ts: string): string;
  /** The conversation an Asana task belongs to: the reverse of asanaTask. */
  asanaTaskConversation(taskGid: string): string;
  /** Who holds a taken-over conversation and until when (hash: operator, since, deadline). */
  takeover(conversationId: string): string;
  /** Taken-over conversations by the time their idle timeout hands them back (sorted set, ms). */
  takeoverDeadlines(): string;
  /** The status service's summary of a conversation for the console list (hash). */
  consoleConversation(conversationId: string): string;
  /** Conversations by their last activity (sorted set, ms), newest last. */
  consoleConversations(): string;
  /** Delivery of operator messages to the bot's webhook, by event id (hash). */
  botDelivery(conversationId: string): string;
  /** A request from Slack or Asana already handled (SET NX): their retries are acted on once. */
  inboundSeen(source: string, id: string): string;
  /** An operator's name and email by Slack or Asana user id, cached from their APIs. */
  operatorProfile(source: string, userId: string): string;
  /** The secret Asana gave in the webhook handshake, and the marker that a registration is under way. */
  asanaWebhookSecret(): string;
  asanaWebhookHandshake(): string;
  /** The Redis pub/sub channel that carries transcript and status updates to every console. */
  liveUpdates(): string;
}

export function createKeys(prefix = 'sb:'): Keys {
  const k = (...parts: string[]) => prefix + parts.join(':');
  return {
    key: k,
    conversationStarted: (id) => k('conv', id, 'started'),
    conversationLastSeen: (id) => k('conv', id, 'last-seen'),
    control: (id) => k('conv', id, 'control'),
    done: (scope, eventId) => k('done', scope, eventId),
    lock: (scope, id) => k('lock', scope, id),
    slackRoot: (id) => k('conv', id, 'slack-root'),
    asanaTask: (id) => k('conv', id, 'asana-task'),
    transcript: (id) => k('conv', id, 'transcript'),
    transcriptIds: (id) => k('conv', id, 'transcript-ids'),
    ingressAccepted: (eventId) => k('ingress', 'accepted', eventId),
    rateBudget: (name) => k('rate', name),
    rateBudgetCalls: (name, part) => k('rate', name, part),
    lockFence: (scope, id) => k('lock-fence', scope, id),
    digestMessage: (channelId, ts) => k('notifier', 'digest-message', channelId, ts),
    slackThread: (channelId, ts) => k('slack', 'thread', channelId, ts),
    asanaTaskConversation: (taskGid) => k('asana', 'task', taskGid, 'conversation'),
    takeover: (id) => k('conv', id, 'takeover'),
    takeoverDeadlines: () => k('status', 'takeover-deadlines'),
    consoleConversation: (id) => k('conv', id, 'console'),
    consoleConversations: () => k('status', 'conversations'),
    botDelivery: (id) => k('conv', id, 'bot-delivery'),
    inboundSeen: (source, id) => k('status', 'seen', source, id),
    operatorProfile: (source, userId) => k('status', 'operator', source, userId),
    asanaWebhookSecret: () => k('status', 'asana-webhook', 'secret'),
    asanaWebhookHandshake: () => k('status', 'asana-webhook', 'handshake'),
    liveUpdates: () => k('status', 'live'),
  };
}
