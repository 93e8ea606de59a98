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
  /** Conversations and teams marked as spam. */
  spamConversation(conversationId: string): string;
  spamTeam(teamId: string): string;
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
    spamConversation: (id) => k('spam', 'conv', id),
    spamTeam: (teamId) => k('spam', 'team', teamId),
  };
}
