// Every Redis key Switchboard uses, named in one place. A prefix (REDIS_KEY_PREFIX) lets several
// installations or test runs share one Redis without seeing each other's keys.

export interface Keys {
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
  /** Conversations and teams marked as spam. */
  spamConversation(conversationId: string): string;
  spamTeam(teamId: string): string;
  /** The notifier's record of a conversation: where its Slack thread is, its first event and status (hash). */
  notifierConversation(conversationId: string): string;
  /** The notifier's marker that a thread reply for an event is being posted (crash recovery). */
  notifierPostIntent(eventId: string): string;
  /** Conversations waiting for a channel's next digest message (sorted set, score = when queued). */
  digestPending(channel: string): string;
  /** A digest taken from the pending set and not yet recorded as posted (crash recovery). */
  digestBatch(channel: string): string;
  /** The conversation ids a posted digest message lists, by the message's channel id and ts. */
  digestMessage(channelId: string, ts: string): string;
  /** Every channel that has had a pending digest or pending thread replies, so any replica can flush it. */
  digestChannels(): string;
  /** A conversation's thread replies waiting to be posted together (sorted set of event ids, hash of lines). */
  notifierReplies(conversationId: string): string;
  notifierReplyLines(conversationId: string): string;
  /** Replies taken to be posted and not yet recorded as posted (crash recovery). */
  notifierReplyBatch(conversationId: string): string;
  /** Conversations of a channel with thread replies waiting (sorted set, urgent first). */
  repliesPending(channel: string): string;
  /** A Slack channel's id by the name it is configured with (conversations.history needs the id). */
  slackChannelId(channel: string): string;
  /** The ticketer's view of a conversation's task: completed, spam, notes, Slack link written (hash). */
  ticketerTask(conversationId: string): string;
  /** The ticketer's marker that it is about to create a conversation's task (crash recovery). */
  ticketerCreateIntent(conversationId: string): string;
  /** Comment lines waiting to be written to a conversation's task together (list, oldest first). */
  ticketerComments(conversationId: string): string;
  /** A comment batch taken from the list and not yet recorded as written (hash: id, lines). */
  ticketerCommentBatch(conversationId: string): string;
  /** Conversations with comment lines waiting (sorted set, score = when due, ms). */
  ticketerCommentsDue(): string;
  /** Conversations whose task notes still wait for the Slack permalink (sorted set, score = next check, ms). */
  ticketerLinkPending(): string;
  /** An Asana tag's gid by workspace and name. */
  asanaTagGid(workspaceGid: string, name: string): string;
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
    spamConversation: (id) => k('spam', 'conv', id),
    spamTeam: (teamId) => k('spam', 'team', teamId),
    notifierConversation: (id) => k('conv', id, 'notifier'),
    notifierPostIntent: (eventId) => k('notifier', 'intent', eventId),
    digestPending: (channel) => k('notifier', 'digest', channel, 'pending'),
    digestBatch: (channel) => k('notifier', 'digest', channel, 'batch'),
    digestMessage: (channelId, ts) => k('notifier', 'digest-message', channelId, ts),
    digestChannels: () => k('notifier', 'digest-channels'),
    notifierReplies: (id) => k('conv', id, 'notifier-replies'),
    notifierReplyLines: (id) => k('conv', id, 'notifier-reply-lines'),
    notifierReplyBatch: (id) => k('conv', id, 'notifier-reply-batch'),
    repliesPending: (channel) => k('notifier', 'replies', channel, 'pending'),
    slackChannelId: (channel) => k('notifier', 'channel-id', channel),
    ticketerTask: (id) => k('conv', id, 'ticketer'),
    ticketerCreateIntent: (id) => k('conv', id, 'ticketer-create-intent'),
    ticketerComments: (id) => k('conv', id, 'ticketer-comments'),
    ticketerCommentBatch: (id) => k('conv', id, 'ticketer-comment-batch'),
    ticketerCommentsDue: () => k('ticketer', 'comments-due'),
    ticketerLinkPending: () => k('ticketer', 'link-pending'),
    asanaTagGid: (workspaceGid, name) => k('asana', 'tag', workspaceGid, name),
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
