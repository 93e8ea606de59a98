// The Redis keys more than one service relies on, named in one place (a service's private keys live in that
// service, built with `key`). A prefix (REDIS_KEY_PREFIX) lets several installations or test runs share one
// Redis without seeing each other's keys.

export interface Keys {
  /** A key under the installation's prefix, from its parts: how a service names its own private keys. */
  key(...parts: string[]): string;
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
  /** A spam mark (SpamMarks): a conversation, or a bot's user or team (their ids are the bot's own). */
  spamConversation(conversationId: string): string;
  spamUser(bot: string, userId: string): string;
  spamTeam(bot: string, teamId: string): string;
}

export function createKeys(prefix = 'sb:'): Keys {
  const k = (...parts: string[]) => prefix + parts.join(':');
  return {
    key: k,
    control: (id) => k('conv', id, 'control'),
    done: (scope, eventId) => k('done', scope, eventId),
    lock: (scope, id) => k('lock', scope, id),
    slackRoot: (id) => k('conv', id, 'slack-root'),
    asanaTask: (id) => k('conv', id, 'asana-task'),
    rateBudget: (name) => k('rate', name),
    rateBudgetCalls: (name, part) => k('rate', name, part),
    lockFence: (scope, id) => k('lock-fence', scope, id),
    digestMessage: (channelId, ts) => k('notifier', 'digest-message', channelId, ts),
    slackThread: (channelId, ts) => k('slack', 'thread', channelId, ts),
    asanaTaskConversation: (taskGid) => k('asana', 'task', taskGid, 'conversation'),
    spamConversation: (id) => k('spam', 'conv', id),
    spamUser: (bot, userId) => k('spam', 'user', bot, userId),
    spamTeam: (bot, teamId) => k('spam', 'team', bot, teamId),
  };
}
