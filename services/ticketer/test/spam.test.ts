// The ticketer's spam decision as a table: any mark on the conversation, its user or its team leaves the message
// alone (no task, no reopening, no comment); no mark, normal handling.
import { spamHandling } from '../src/spam';

const none = { conversation: false, user: false, team: false };

describe('spam handling', () => {
  it.each([
    ['a message of no marked conversation, user or team', none, { act: 'handle' }],
    [
      'a marked conversation (a task completed as spam)',
      { ...none, conversation: true },
      { act: 'ignore', why: 'spam_conversation' },
    ],
    ['a new conversation of a user marked spam', { ...none, user: true }, { act: 'ignore', why: 'spam_user' }],
    ['a new conversation of a team marked spam', { ...none, team: true }, { act: 'ignore', why: 'spam_team' }],
  ])('%s', (_name, marks, handling) => {
    expect(spamHandling(marks)).toEqual(handling);
  });
});
