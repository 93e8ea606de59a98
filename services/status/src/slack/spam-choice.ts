// Spam's second step in Slack: a click on Spam (sb_spam) is answered with an ephemeral message to that operator
// asking how far it reaches (this conversation, this user, the whole team); the chosen button publishes SPAM
// with that scope. The message is pure (spamChoiceMessage); SpamChoice posts it (through SlackMembers' client).
import { SLACK_SPAM_SCOPE_IDS } from '@switchboard/agreements';
import type { Logger } from '@switchboard/core';
import type { SpamScope } from '@switchboard/store';
import type { ConversationSummary } from '../conversation/conversation-state';
import type { ConversationIndex } from '../conversation/conversations';

/** The scope a second-step button stands for, or undefined for any other action id. */
export function spamScopeOf(actionId: string): SpamScope | undefined {
  const found = (Object.entries(SLACK_SPAM_SCOPE_IDS) as [SpamScope, string][]).find(([, id]) => id === actionId);
  return found?.[0];
}

/** Slack's limit on a button's label. */
const MAX_LABEL = 75;
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The question, as blocks: plain text only (a user's or team's name is theirs to choose, and must never ping
 * anyone or pass for a link). The user and team buttons are offered only when the conversation says who they are.
 */
export function spamChoiceMessage(
  conversationId: string,
  summary: Pick<ConversationSummary, 'userId' | 'userName' | 'teamId' | 'teamName'> | null,
): { text: string; blocks: unknown[] } {
  const button = (scope: SpamScope, label: string, style?: 'danger') => ({
    type: 'button',
    action_id: SLACK_SPAM_SCOPE_IDS[scope],
    value: conversationId,
    text: { type: 'plain_text', text: cut(label, MAX_LABEL), emoji: false },
    ...(style ? { style } : {}),
  });
  const user = summary?.userName || summary?.userId;
  const team = summary?.teamName || summary?.teamId;
  const text = 'Mark what as spam? This conversation, everything from this user, or everything from the whole team.';
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'plain_text', text, emoji: false } },
      {
        type: 'actions',
        block_id: 'sb_spam_scope',
        elements: [
          button('conversation', 'This conversation'),
          ...(summary?.userId ? [button('user', `This user (${user})`, 'danger')] : []),
          ...(summary?.teamId ? [button('team', `The whole team (${team})`, 'danger')] : []),
        ],
      },
    ],
  };
}

export interface SpamChoiceOptions {
  /** Posts a message only one user sees (SlackMembers.postEphemeral). */
  slack: { postEphemeral(channel: string, userId: string, text: string, blocks?: unknown[]): Promise<void> };
  conversations: ConversationIndex;
  logger: Logger;
}

export class SpamChoice {
  constructor(private readonly options: SpamChoiceOptions) {}

  /** Asks the operator, and only them, in the channel they clicked in. Throws when Slack does not take it. */
  async ask(channel: string, userId: string, conversationId: string): Promise<void> {
    const { text, blocks } = spamChoiceMessage(conversationId, await this.options.conversations.get(conversationId));
    await this.options.slack.postEphemeral(channel, userId, text, blocks);
    this.options.logger.info({ conversationId, userId }, 'asked how far the spam reaches');
  }
}
