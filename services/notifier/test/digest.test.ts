import { Priority } from '@switchboard/proto';
import { LINE_ROOM, digestHeadline, digestLine, renderDigest, type DigestEntry } from '../src/digest';
import { MAX_DIGEST_SIZE } from '../src/limits';
import { packSections } from '../src/render-text';
import { summary } from './fixtures';

const entry = (i: number, priority = Priority.NORMAL, text = `message ${i}`): DigestEntry => ({
  summary: summary(text, { conversationId: `c${i}`, priority }),
  transcriptUrl: `http://console/conversations/c${i}`,
  taskUrl: `http://console/conversations/c${i}/task`,
});
const many = (n: number, priority = Priority.NORMAL, text?: string) =>
  Array.from({ length: n }, (_, i) => entry(i, priority, text));

describe('digestHeadline', () => {
  it.each([
    [[entry(1)], '1 new conversation'],
    [many(14), '14 new conversations'],
    [
      [...many(11), entry(20, Priority.HIGH), entry(21, Priority.HIGH), entry(22, Priority.HIGH)],
      '14 new conversations, 3 high',
    ],
    [[entry(1, Priority.URGENT), entry(2, Priority.HIGH)], '2 new conversations, 1 urgent, 1 high'],
  ])('counts %#', (entries, headline) => {
    expect(digestHeadline(entries)).toBe(headline);
  });
});

describe('digestLine', () => {
  it('names the conversation, its first words and links its transcript and task', () => {
    expect(digestLine(entry(7))).toBe(
      '• Ann (Acme, slack): message 7 · <http://console/conversations/c7|transcript> · <http://console/conversations/c7/task|Asana task>',
    );
  });

  it('flags high ones and says what operators did', () => {
    const line = digestLine({ ...entry(1, Priority.HIGH), status: { spamBy: 'Yan' } });
    expect(line).toContain(':warning: *HIGH* Ann');
    expect(line).toContain(':no_entry_sign: spam (Yan)');
  });

  it('escapes user text so that nobody is pinged', () => {
    expect(digestLine(entry(1, Priority.NORMAL, '<!channel> <@U1>'))).toContain('&lt;!channel&gt; &lt;@U1&gt;');
  });

  it('stays within its room however hostile the text', () => {
    const line = digestLine(entry(1, Priority.NORMAL, '<'.repeat(3000)));
    expect(line.length).toBeLessThanOrEqual(LINE_ROOM);
    expect(line).toContain('conversations/c1|transcript>');
  });
});

describe('packSections', () => {
  it.each([
    [[], []],
    [['a', 'b'], ['a\nb']],
    [
      ['aaa', 'bbb', 'c'],
      ['aaa', 'bbb\nc'],
    ],
  ])('packs %j into %j (room 5)', (lines, sections) => {
    expect(packSections(lines, 5)).toEqual(sections);
  });
});

describe('renderDigest', () => {
  it.each([
    ['two short lines', many(2)],
    ['the largest digest', many(MAX_DIGEST_SIZE)],
    ['the largest digest of hostile text', many(MAX_DIGEST_SIZE, Priority.HIGH, '<&>'.repeat(1000))],
  ])('fits Slack limits with %s, listing every conversation', (_name, entries) => {
    const message = renderDigest(entries);
    const blocks = message.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    const json = JSON.stringify(message);
    for (const e of entries) expect(json).toContain(`conversations/${e.summary.conversationId}|`);
  });

  it('lists high conversations first', () => {
    const text = JSON.stringify(renderDigest([entry(1), entry(2, Priority.HIGH)]));
    expect(text.indexOf('conversations/c2')).toBeLessThan(text.indexOf('conversations/c1'));
  });
});
