// @switchboard/agreements: what two or more services must agree on about Slack messages and Asana tasks,
// built in one place so they agree: links into the operator console, the buttons' action ids, and the line
// that ties a task to its conversation.

/** The operator console's page for a conversation: the notifier links it from Slack, the ticketer from the task. */
export function transcriptUrl(consoleBaseUrl: string, conversationId: string): string {
  return new URL(`console/conversations/${encodeURIComponent(conversationId)}`, consoleBaseUrl).toString();
}

/**
 * The console's link to wherever the conversation is in Slack: it redirects a signed-in operator to the
 * conversation's own thread, or to the digest that lists it. The ticketer puts it in the task when it creates
 * it, so the task links Slack without a second Asana call, whenever and wherever the notifier posts.
 */
export function slackThreadUrl(consoleBaseUrl: string, conversationId: string): string {
  return new URL(`console/conversations/${encodeURIComponent(conversationId)}/slack`, consoleBaseUrl).toString();
}

/**
 * The console's link to the conversation's Asana task: it redirects a signed-in operator to the task. The
 * notifier puts it in the Slack message when it posts it, so the message links the task without a
 * `chat.update` once the ticketer has made it.
 */
export function taskUrl(consoleBaseUrl: string, conversationId: string): string {
  return new URL(`console/conversations/${encodeURIComponent(conversationId)}/task`, consoleBaseUrl).toString();
}

/** The operator buttons on Slack notifications: the notifier renders them, the status service handles them. */
export const SLACK_ACTION_IDS = {
  reviewed: 'sb_reviewed',
  spam: 'sb_spam',
  takeover: 'sb_takeover',
  handback: 'sb_handback',
  notSpam: 'sb_not_spam',
  close: 'sb_close',
  reopen: 'sb_reopen',
  assignMe: 'sb_assign_me',
  /** On a digest's line: promote that conversation to a root (and thread) of its own. */
  openThread: 'sb_open_thread',
} as const;

/**
 * Spam's second step: the status service asks the operator who clicked Spam (ephemerally) how far it reaches,
 * with these buttons (their value is the conversation id).
 */
export const SLACK_SPAM_SCOPE_IDS = {
  conversation: 'sb_spam_conversation',
  user: 'sb_spam_user',
  team: 'sb_spam_team',
} as const;

/** The line the ticketer writes into every task's notes: the way back from a task to its conversation. */
export const conversationMarker = (conversationId: string) => `Switchboard conversation: ${conversationId}`;

/** The conversation a task's notes name, or undefined. */
export function conversationInNotes(notes: string): string | undefined {
  return /^Switchboard conversation: (\S+)$/m.exec(notes)?.[1];
}

export * from './routes';
