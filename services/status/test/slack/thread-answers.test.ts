// The private answers about a thread reply (pure): the digest explanation, the confirm question with its
// Send / Keep as note buttons carrying the pending reply's id, the operator's own text escaped.
import {
  choiceDoneText,
  choiceOf,
  confirmMessage,
  digestThreadText,
  REPLY_CHOICE_IDS,
} from '../../src/slack/thread-answers';

describe('thread answers', () => {
  it('explains that a digest’s thread names no single conversation', () => {
    expect(digestThreadText(3)).toContain('This thread lists 3 conversations');
    expect(digestThreadText(3)).toContain('Open thread');
  });

  it('asks Send / Keep as note with the pending id, quoting the reply escaped', () => {
    const message = confirmMessage('slack-event-abc', 'refund <!channel> & done\nbye');
    const [section, actions] = message.blocks as {
      text?: { text: string };
      elements?: { action_id: string; value: string }[];
    }[];
    expect(section.text!.text).toContain('>refund &lt;!channel&gt; &amp; done\n>bye');
    expect(actions.elements!.map((e) => [e.action_id, e.value])).toEqual([
      [REPLY_CHOICE_IDS.send, 'slack-event-abc'],
      [REPLY_CHOICE_IDS.note, 'slack-event-abc'],
    ]);
  });

  it('reads the choice from the action id, and says what became of it', () => {
    expect(choiceOf(REPLY_CHOICE_IDS.send)).toBe('send');
    expect(choiceOf(REPLY_CHOICE_IDS.note)).toBe('note');
    expect(choiceOf('sb_reviewed')).toBeUndefined();
    expect(choiceDoneText('send')).toBe('Sent to the user.');
    expect(choiceDoneText('gone')).toContain('nothing done');
  });
});
