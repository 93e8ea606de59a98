// Spam's second step as Slack shows it: which scope each button stands for, and the question offering the user
// and the team only when the conversation says who they are, in plain text whatever their names hold.
import { SLACK_SPAM_SCOPE_IDS } from '@switchboard/agreements';
import { spamChoiceMessage, spamScopeOf } from '../../src/slack/spam-choice';

type Actions = { elements: { action_id: string; value: string; text: { type: string; text: string } }[] };

describe("spam's second step", () => {
  it('knows the scope of each second-step button, and none of any other action', () => {
    expect(spamScopeOf(SLACK_SPAM_SCOPE_IDS.conversation)).toBe('conversation');
    expect(spamScopeOf(SLACK_SPAM_SCOPE_IDS.user)).toBe('user');
    expect(spamScopeOf(SLACK_SPAM_SCOPE_IDS.team)).toBe('team');
    expect(spamScopeOf('sb_spam')).toBeUndefined();
  });

  it('offers this conversation, this user and the whole team, each button carrying the conversation', () => {
    const { blocks } = spamChoiceMessage('bot:c1', {
      userId: 'u1',
      userName: '<!channel> Mallory',
      teamId: 't1',
      teamName: 'Acme',
    });
    const buttons = (blocks[1] as Actions).elements;
    expect(buttons.map((b) => [b.action_id, b.value, b.text.text])).toEqual([
      ['sb_spam_conversation', 'bot:c1', 'This conversation'],
      ['sb_spam_user', 'bot:c1', 'This user (<!channel> Mallory)'],
      ['sb_spam_team', 'bot:c1', 'The whole team (Acme)'],
    ]);
    // plain_text: Slack shows a name as typed and never reads it as a mention.
    expect(buttons.every((b) => b.text.type === 'plain_text')).toBe(true);
  });

  it('offers the conversation alone when it does not say who the user and team are', () => {
    const { blocks } = spamChoiceMessage('bot:c2', { userId: '', userName: '', teamId: '', teamName: '' });
    expect((blocks[1] as Actions).elements.map((b) => b.action_id)).toEqual(['sb_spam_conversation']);
    expect(spamChoiceMessage('bot:c3', null).blocks).toHaveLength(2);
  });
});
