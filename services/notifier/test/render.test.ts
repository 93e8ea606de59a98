import { Direction, EventKind, Priority } from '@switchboard/proto';
import { SLACK_ACTION_IDS as ACTION_IDS } from '@switchboard/agreements';
import {
  MAX_REPLY_GROUP,
  QUEUED_LINE_ROOM,
  renderReplyGroup,
  renderRoot,
  renderThreadReply,
  replyLine,
  statusLine,
} from '../src/render';
import { escapeMrkdwn, truncate, userText } from '../src/render-text';
import { threadWorthy } from '../src/decide';
import type { StatusView } from '../src/conversation';
import { classified, summary } from './fixtures';

type Block = {
  type: string;
  text?: { text: string };
  elements?: { action_id?: string; value?: string; text?: unknown }[];
};
const blocksOf = (m: { blocks: object[] }) => m.blocks as Block[];
const actionIds = (m: { blocks: object[] }) =>
  blocksOf(m)
    .find((b) => b.type === 'actions')
    ?.elements?.map((e) => e.action_id) ?? [];
const root = (text: string, status?: StatusView, o = {}) =>
  renderRoot({
    summary: summary(text, o),
    status,
    transcriptUrl: 'http://console/c1',
    taskUrl: 'http://console/c1/task',
  });

describe('escaping user text', () => {
  it.each([
    ['<!channel> look', '&lt;!channel&gt; look'],
    ['<!here|here>', '&lt;!here|here&gt;'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['<@U123> hi', '&lt;@U123&gt; hi'],
    ['<!subteam^S123|@ops>', '&lt;!subteam^S123|@ops&gt;'],
    ['<https://evil.example|https://bank.example>', '&lt;https://evil.example|https://bank.example&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
  ])('%j shows as text', (input, output) => {
    expect(escapeMrkdwn(input)).toBe(output);
  });

  it('escapes text, names, team, platform and tags inside the root message', () => {
    const json = JSON.stringify(
      root('<!channel> refund now', undefined, {
        user: '<@U999>',
        team: '<!here>',
        platform: '<!everyone>',
        tags: ['<!channel>'],
      }),
    );
    for (const raw of ['<!channel>', '<@U999>', '<!here>', '<!everyone>']) expect(json).not.toContain(raw);
    expect(json).toContain('&lt;!channel&gt;');
  });

  it('escapes operator names in the status line', () => {
    expect(statusLine({ reviewedBy: '<!channel>' })).toBe(':eyes: Reviewed by *&lt;!channel&gt;*');
  });

  it('cuts overlong text with a marker and never splits an emoji', () => {
    expect(truncate('😀'.repeat(10), 4)).toBe('😀😀😀😀 … (6 more characters)');
  });

  it.each([
    ['plain text', 'a'.repeat(5000), 2500],
    ['text that escaping makes five times longer', '<'.repeat(2500), 2900 / 4],
  ])('keeps %s within one Slack section', (_name, text) => {
    const section = blocksOf(root(text))[1].text!.text;
    expect(section.length).toBeLessThanOrEqual(3000);
    expect(section).toMatch(/ … \(\d+ more characters\)$/);
    expect(section).not.toMatch(/&(a|am|l|g|lt|gt|amp)?$/);
  });

  it('leaves short text as it is', () => {
    expect(userText('hi <you>')).toBe('hi &lt;you&gt;');
  });
});

describe('renderRoot', () => {
  it('has the three operator buttons carrying the conversation id, the transcript and task links, and when', () => {
    const message = renderRoot({
      summary: summary('hi'),
      transcriptUrl: 'http://console/c1',
      taskUrl: 'http://asana/1',
    });
    const actions = blocksOf(message).find((b) => b.type === 'actions')!;
    expect(actions.elements!.map((e) => e.action_id)).toEqual([
      ACTION_IDS.reviewed,
      ACTION_IDS.spam,
      ACTION_IDS.takeover,
      ACTION_IDS.assignMe,
      ACTION_IDS.close,
    ]);
    expect(actions.elements!.every((e) => e.value === 'c1')).toBe(true);
    const json = JSON.stringify(message);
    expect(json).toContain('<http://console/c1|Live transcript>');
    expect(json).toContain('<http://asana/1|Asana task>');
    expect(json).toContain('<!date^');
  });

  it.each([
    [Priority.URGENT, ':rotating_light: *URGENT*'],
    [Priority.HIGH, ':warning: *HIGH*'],
  ])('flags priority %s in the headline', (priority, flag) => {
    expect(blocksOf(root('sue', undefined, { priority }))[0].text!.text.startsWith(flag)).toBe(true);
  });

  it('gives normal conversations no flag', () => {
    expect(blocksOf(root('hello'))[0].text!.text.startsWith('*New conversation*')).toBe(true);
  });

  it('never links a URL that is not plain http(s)', () => {
    const json = JSON.stringify(
      renderRoot({ summary: summary('x'), transcriptUrl: 'javascript:alert(1)', taskUrl: 'http://a|b>' }),
    );
    expect(json).not.toContain('<javascript');
    expect(json).not.toContain('<http://a|b');
  });

  const OPEN = [ACTION_IDS.assignMe, ACTION_IDS.close];
  it.each<[string, StatusView | undefined, string[], string]>([
    ['new', undefined, [ACTION_IDS.reviewed, ACTION_IDS.spam, ACTION_IDS.takeover, ...OPEN], ''],
    ['reviewed', { reviewedBy: 'Xavier' }, [ACTION_IDS.spam, ACTION_IDS.takeover, ...OPEN], 'Reviewed by *Xavier*'],
    ['taken over', { takenOverBy: 'Zoe' }, [ACTION_IDS.handback, ...OPEN], 'Taken over by *Zoe*'],
    [
      'handed back',
      { last: { change: 'handed_back', by: 'Zoe', atMs: 1 } },
      [ACTION_IDS.reviewed, ACTION_IDS.spam, ACTION_IDS.takeover, ...OPEN],
      'Handed back to the bot by *Zoe*',
    ],
    ['spam', { spamBy: 'Yan' }, [ACTION_IDS.notSpam], 'Marked spam by *Yan*'],
    ['closed', { closedBy: 'Xavier' }, [ACTION_IDS.reopen], 'Closed by *Xavier*'],
    [
      'owned',
      { ownedBy: 'Ann <@U1>', reviewedBy: 'Xavier' },
      [ACTION_IDS.spam, ACTION_IDS.takeover, ...OPEN],
      'Owner: *Ann &lt;@U1&gt;*',
    ],
    ['closed and owned', { closedBy: 'Xavier', ownedBy: 'Ann' }, [ACTION_IDS.reopen], 'Owner: *Ann*'],
  ])('when %s, offers the matching buttons and says who acted', (_name, status, buttons, said) => {
    const message = root('hi', status);
    expect(actionIds(message)).toEqual(buttons);
    if (said) expect(JSON.stringify(message)).toContain(said);
  });
});

describe('threading', () => {
  it.each([
    ['a user message', { kind: EventKind.MESSAGE }, Priority.NORMAL, true],
    ['a plain bot reply', { kind: EventKind.MESSAGE, direction: Direction.BOT }, Priority.NORMAL, false],
    [
      'a bot reply that hit a rule',
      { kind: EventKind.MESSAGE, direction: Direction.BOT, matchedRules: ['refund'] },
      Priority.NORMAL,
      true,
    ],
    ['a normal user message under a high threshold', { kind: EventKind.MESSAGE }, Priority.HIGH, false],
    [
      'a high user message under a high threshold',
      { kind: EventKind.MESSAGE, priority: Priority.HIGH },
      Priority.HIGH,
      true,
    ],
  ])('%s is threaded: %s', (_name, o, minimum, expected) => {
    expect(threadWorthy(classified('hi', o), minimum)).toBe(expected);
  });

  it('renders a thread reply with its speaker, and in a digest thread with its conversation', () => {
    expect(renderThreadReply(classified('hi', { kind: EventKind.MESSAGE })).text).toBe('*User*: hi');
    const inDigest = renderThreadReply(classified('<!here>', { kind: EventKind.MESSAGE, priority: Priority.URGENT }), {
      summary: summary('x'),
      transcriptUrl: 'http://console/c1',
    });
    expect(inDigest.text).toBe('*User* in <http://console/c1|Ann (Acme)> :rotating_light: *URGENT*: &lt;!here&gt;');
  });
});

describe('renderReplyGroup', () => {
  const line = (text: string) => replyLine(classified(text, { kind: EventKind.MESSAGE }), QUEUED_LINE_ROOM);

  it.each([
    ['one reply in a root thread is a plain reply', [line('hi')], undefined, ['section'], '*User*: hi'],
    ['several replies get a count', [line('a'), line('b')], undefined, ['context', 'section'], '2 messages: *User*: a'],
    [
      'in a digest thread, even one names its conversation',
      [line('a')],
      { summary: summary('x'), transcriptUrl: 'http://console/c1' },
      ['context', 'section'],
      '1 message in <http://console/c1|Ann (Acme)>: *User*: a',
    ],
  ])('%s', (_name, lines, inDigest, types, text) => {
    const message = renderReplyGroup(lines, inDigest);
    expect(blocksOf(message).map((b) => b.type)).toEqual(types);
    expect(message.text).toBe(text);
  });

  it('fits Slack limits with the most replies of the most hostile text', () => {
    const message = renderReplyGroup(Array.from({ length: MAX_REPLY_GROUP }, () => line('<&>'.repeat(2000))));
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocksOf(message)) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect((JSON.stringify(message).match(/\*User\*/g) ?? []).length).toBe(MAX_REPLY_GROUP + 1);
  });
});
