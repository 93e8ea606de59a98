// What the status service tells one operator, privately (chat.postEphemeral), about a reply they wrote in a Slack
// thread: that a digest's thread names no single conversation, the Send / Keep as note question of
// STATUS_THREAD_REPLY_MODE=confirm, and what became of their answer. Pure: text and Block Kit.

/** The buttons of the confirm question: handled by the status service only (it renders them too). */
export const REPLY_CHOICE_IDS = { send: 'sb_reply_send', note: 'sb_reply_note' } as const;
export type ReplyChoice = keyof typeof REPLY_CHOICE_IDS;

export const choiceOf = (actionId: string): ReplyChoice | undefined =>
  actionId === REPLY_CHOICE_IDS.send ? 'send' : actionId === REPLY_CHOICE_IDS.note ? 'note' : undefined;

/** Escapes what Slack treats as control sequences in mrkdwn (the operator's own text, quoted back). */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const quote = (text: string, max = 500) => {
  const chars = Array.from(text);
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
  return `>${escape(cut).replace(/\n/g, '\n>')}`;
};

/** A reply in a digest's thread that lists several conversations: which one it is for cannot be known. */
export function digestThreadText(conversations: number): string {
  return (
    `This thread lists ${conversations} conversations, so your reply was not sent to anyone. ` +
    'Press *Open thread* on the conversation’s line to give it a thread of its own and reply there, ' +
    'or answer from its live transcript.'
  );
}

/** The question of confirm mode: the reply quoted, and Send / Keep as note carrying the pending reply's id. */
export function confirmMessage(pendingId: string, text: string): { text: string; blocks: object[] } {
  const question = 'Send this reply to the user as the bot, or keep it as an internal note?';
  return {
    text: question,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${question}\n${quote(text)}` } },
      {
        type: 'actions',
        block_id: 'sb_reply_choice',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Send' },
            action_id: REPLY_CHOICE_IDS.send,
            value: pendingId,
            style: 'primary',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Keep as note' },
            action_id: REPLY_CHOICE_IDS.note,
            value: pendingId,
          },
        ],
      },
    ],
  };
}

/** What became of the answer: said to the operator who chose (or to one who chose too late). */
export function choiceDoneText(choice: ReplyChoice | 'gone'): string {
  if (choice === 'send') return 'Sent to the user.';
  if (choice === 'note') return 'Kept as an internal note; the user did not see it.';
  return 'That reply was already sent or kept as a note (or waited longer than a day): nothing done.';
}
