// Reading Slack's payloads defensively.
import { parseSlackAction, parseThreadReply, slackPlainText } from '../../src/slack/slack-payloads';

const form = (payload: unknown) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

describe('parseSlackAction', () => {
  it('reads who clicked which of our buttons for which conversation', () => {
    const parsed = parseSlackAction(
      form({
        type: 'block_actions',
        user: { id: 'U1', name: 'olivia' },
        actions: [{ action_id: 'sb_takeover', value: 'c-1', action_ts: '1.2' }],
      }),
    );
    expect(parsed).toEqual({
      userId: 'U1',
      userName: 'olivia',
      channelId: '',
      actions: [{ actionId: 'sb_takeover', conversationId: 'c-1', actionTs: '1.2' }],
    });
  });

  it('explains what is wrong with a malformed payload', () => {
    expect(parseSlackAction('nothing=here')).toEqual({ error: expect.stringContaining('payload') });
    expect(parseSlackAction('payload=%7Bnot-json')).toEqual({ error: '"payload" is not JSON' });
    expect(parseSlackAction(form({ type: 'block_actions', actions: [] }))).toEqual({
      error: expect.stringContaining('user.id'),
    });
    expect(
      parseSlackAction(
        form({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'sb_spam', value: '' }] }),
      ),
    ).toEqual({ error: expect.stringContaining('conversation id') });
  });

  it('ignores other interaction types', () => {
    expect(parseSlackAction(form({ type: 'view_submission', user: { id: 'U1' } }))).toEqual({
      userId: '',
      userName: '',
      channelId: '',
      actions: [],
    });
  });
});

describe('parseThreadReply', () => {
  const event = { type: 'message', channel: 'C1', user: 'U1', text: 'hi', ts: '2.0', thread_ts: '1.0' };

  it('takes a person’s reply in a thread', () => {
    expect(parseThreadReply({ event })).toEqual({
      channel: 'C1',
      threadTs: '1.0',
      ts: '2.0',
      userId: 'U1',
      text: 'hi',
    });
  });

  it('ignores bots (the notifier’s own posts), edits, joins and top-level posts', () => {
    expect(parseThreadReply({ event: { ...event, bot_id: 'B1' } })).toBeNull();
    expect(parseThreadReply({ event: { ...event, subtype: 'message_changed' } })).toBeNull();
    expect(parseThreadReply({ event: { ...event, subtype: 'channel_join' } })).toBeNull();
    expect(parseThreadReply({ event: { ...event, thread_ts: undefined } })).toBeNull();
    expect(parseThreadReply({ event: { ...event, thread_ts: '2.0' } })).toBeNull();
    expect(parseThreadReply({ event: { ...event, type: 'reaction_added' } })).toBeNull();
  });
});

describe('slackPlainText', () => {
  it('turns Slack markup into what the user should read', () => {
    expect(slackPlainText('a &lt;b&gt; &amp; c')).toBe('a <b> & c');
    expect(slackPlainText('see <https://example.com/x|the docs>')).toBe('see the docs (https://example.com/x)');
    expect(slackPlainText('<https://example.com>')).toBe('https://example.com');
    expect(slackPlainText('hi <@U123> and <#C1|general>')).toBe('hi  and general');
    expect(slackPlainText('mail <mailto:a@b.c|a@b.c>')).toBe('mail a@b.c');
  });
});
