// Slack messages for a conversation, as Block Kit: pure functions from events to message payloads.
// User text is untrusted: it is escaped so `<!channel>`, `<@U123>` or `<http://x|y>` typed by a user
// shows as text and can never ping anyone or disguise a link.
import { Direction, EventKind, Priority, type ClassifiedEvent } from '@switchboard/proto';

export const MAX_TEXT = 2500;

/** Escapes the three characters Slack treats as control sequences in mrkdwn. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts overlong text on a character boundary (not inside a surrogate pair) and says so. */
export function truncate(text: string, max = MAX_TEXT): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return chars.slice(0, max).join('') + ` … (${chars.length - max} more characters)`;
}

export const userText = (text: string) => escapeMrkdwn(truncate(text));

const PRIORITY_LABEL: Record<Priority, string> = {
  [Priority.UNSPECIFIED]: 'normal',
  [Priority.LOW]: 'low',
  [Priority.NORMAL]: 'normal',
  [Priority.HIGH]: ':warning: *HIGH*',
  [Priority.URGENT]: ':rotating_light: *URGENT*',
};

export interface RootLinks {
  transcriptUrl: string;
  taskUrl?: string;
}

export interface SlackMessage {
  text: string;
  blocks: object[];
}

export const ACTION_IDS = { reviewed: 'sb_reviewed', spam: 'sb_spam', takeover: 'sb_takeover' } as const;

function who(event: ClassifiedEvent): string {
  const m = event.message;
  const user = m?.user?.name || m?.user?.id || 'unknown user';
  const team = m?.team?.name || m?.team?.id || 'unknown team';
  return `${escapeMrkdwn(user)} (${escapeMrkdwn(team)}${m?.platform ? `, ${escapeMrkdwn(m.platform)}` : ''})`;
}

/** The triage channel's root message for a new conversation, with the operator buttons. */
export function renderRoot(event: ClassifiedEvent, links: RootLinks): SlackMessage {
  const m = event.message;
  const conversationId = m?.conversationId ?? '';
  const headline = `${event.kind === EventKind.CONVERSATION_RESUMED ? 'Conversation resumed' : 'New conversation'} with ${who(event)}`;
  const facts = [`Priority: ${PRIORITY_LABEL[event.priority]}`];
  if (event.tags.length > 0) facts.push(`Tags: ${event.tags.map(escapeMrkdwn).join(', ')}`);
  facts.push(`<${links.transcriptUrl}|Live transcript>`);
  if (links.taskUrl) facts.push(`<${links.taskUrl}|Asana task>`);
  const button = (text: string, actionId: string, style?: 'primary' | 'danger') => ({
    type: 'button',
    text: { type: 'plain_text', text },
    action_id: actionId,
    value: conversationId,
    ...(style ? { style } : {}),
  });
  return {
    text: `${headline}: ${userText(m?.text ?? '')}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${headline}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: `>${userText(m?.text ?? '') || '_(no text)_'}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: facts.join('  ·  ') }] },
      {
        type: 'actions',
        block_id: `sb_conv_actions`,
        elements: [
          button('Reviewed', ACTION_IDS.reviewed, 'primary'),
          button('Spam', ACTION_IDS.spam, 'danger'),
          button('Take over', ACTION_IDS.takeover),
        ],
      },
    ],
  };
}

const SPEAKER: Record<Direction, string> = {
  [Direction.UNSPECIFIED]: 'User',
  [Direction.USER]: 'User',
  [Direction.BOT]: 'Bot',
  [Direction.OPERATOR]: 'Operator',
};

/** A later message of the conversation, as a reply in the root message's thread. */
export function renderThreadReply(event: ClassifiedEvent): SlackMessage {
  const m = event.message;
  const speaker = SPEAKER[m?.direction ?? Direction.USER];
  const flag = event.priority >= Priority.HIGH ? ` ${PRIORITY_LABEL[event.priority]}` : '';
  const text = `*${speaker}*${flag}: ${userText(m?.text ?? '')}`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** Which later messages go into the thread: user messages and rule hits, not every bot reply. */
export function threadWorthy(event: ClassifiedEvent, minimum: Priority): boolean {
  const fromUser = (event.message?.direction ?? Direction.USER) === Direction.USER;
  return (fromUser && event.priority >= minimum) || event.matchedRules.length > 0;
}
