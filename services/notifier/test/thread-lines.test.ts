// The thread's lines from every source, rendered (pure): bot replies, operator replies (not echoed when typed
// in Slack), notes, state changes, attachments — all escaped, links only from http(s) URLs, within Slack's limits.
import {
  create,
  Direction,
  EventKind,
  OperatorMessageKind,
  OperatorMessageSchema,
  Priority,
  StatusChange,
  StatusEventSchema,
} from '@switchboard/proto';
import { renderRoot } from '../src/render';
import {
  attachmentLinks,
  classifiedLine,
  lineAttachments,
  outboundLine,
  renderLine,
  renderLineText,
  statusLine,
} from '../src/thread-lines';
import { threadWorthy } from '../src/decide';
import { classified, summary } from './fixtures';

const operatorMessage = (text: string, source: string, kind = OperatorMessageKind.MESSAGE) =>
  create(OperatorMessageSchema, {
    eventId: 'm1',
    conversationId: 'bot:c1',
    operator: { id: 'op', name: 'Ann <@U1>', source },
    text,
    kind,
  });

const status = (change: StatusChange, o: { note?: string; source?: string; wholeTeam?: boolean } = {}) =>
  create(StatusEventSchema, {
    eventId: 's1',
    conversationId: 'bot:c1',
    change,
    actor: { id: 'op', name: 'Bo', source: o.source ?? 'console' },
    note: o.note ?? '',
    wholeTeam: o.wholeTeam ?? false,
  });

const text = (line: ReturnType<typeof statusLine>) => (line ? renderLineText(line) : null);

describe('thread lines', () => {
  it('threads bot replies only when asked to', () => {
    const bot = classified('Let me check', { kind: EventKind.MESSAGE, direction: Direction.BOT });
    expect(threadWorthy(bot, Priority.NORMAL)).toBe(false);
    expect(threadWorthy(bot, Priority.NORMAL, true)).toBe(true);
    const operator = classified('hi', { kind: EventKind.MESSAGE, direction: Direction.OPERATOR });
    expect(threadWorthy(operator, Priority.NORMAL, true)).toBe(false);
    expect(renderLineText(classifiedLine(bot))).toBe('*Bot*: Let me check');
  });

  it('shows an operator reply from the console with its escaped name and text, under its own line id', () => {
    const line = outboundLine(operatorMessage('<!channel> refund sent', 'console'))!;
    expect(line.lineId).toBe('outbound:m1');
    expect(renderLineText(line)).toBe(':speech_balloon: *Ann &lt;@U1&gt;* (operator): &lt;!channel&gt; refund sent');
    expect(renderLineText(outboundLine(operatorMessage('ok', 'asana'))!)).toContain('(operator, from asana)');
  });

  it('does not echo a reply typed in Slack, nor the control changes told to the bot', () => {
    expect(outboundLine(operatorMessage('typed in the thread', 'slack'))).toBeNull();
    expect(outboundLine(operatorMessage('note for the bot', 'console', OperatorMessageKind.HANDED_BACK))).toBeNull();
    expect(outboundLine(operatorMessage('reason', 'system', OperatorMessageKind.HANDOFF_TIMEOUT))).toBeNull();
  });

  it.each([
    [StatusChange.REVIEWED, {}, ':eyes: _reviewed by_ *Bo*'],
    [StatusChange.TAKEOVER_STARTED, {}, ':raising_hand: _taken over by_ *Bo*'],
    [StatusChange.TAKEOVER_ENDED, {}, ':leftwards_arrow_with_hook: _handed back by_ *Bo*'],
    [StatusChange.TAKEOVER_ENDED, { note: 'all good' }, ':leftwards_arrow_with_hook: _handed back by_ *Bo*: all good'],
    [StatusChange.CLOSED, {}, ':white_check_mark: _closed by_ *Bo*'],
    [
      StatusChange.REOPENED,
      { note: 'the user wrote again' },
      ':arrows_counterclockwise: _reopened_: the user wrote again',
    ],
    [StatusChange.REOPENED, {}, ':arrows_counterclockwise: _reopened by_ *Bo*'],
    [StatusChange.SPAM, {}, ':no_entry_sign: _marked spam by_ *Bo*'],
    [StatusChange.SPAM, { wholeTeam: true }, ':no_entry_sign: _marked spam (whole team) by_ *Bo*'],
    [StatusChange.ASSIGNED, {}, ':bust_in_silhouette: _owner:_ *Bo*'],
    [StatusChange.NOTE, { note: 'VIP <b>' }, ':memo: *Internal note* by *Bo*\n>VIP &lt;b&gt;'],
    [StatusChange.NOTE, { note: 'typed in Slack', source: 'slack' }, null],
    [StatusChange.SLA_DEADLINE, {}, null],
  ] as const)('renders status change %s %j as %j', (change, o, expected) => {
    expect(text(statusLine(status(change, o)))).toBe(expected);
  });

  it('names the conversation in a digest thread, before the priority flag', () => {
    const urgent = classifiedLine(classified('<!here>', { kind: EventKind.MESSAGE, priority: Priority.URGENT }));
    expect(renderLineText(urgent, 2400, { user: 'Ann', team: 'Acme', transcriptUrl: 'http://console/c1' })).toBe(
      '*User* in <http://console/c1|Ann (Acme)> :rotating_light: *URGENT*: &lt;!here&gt;',
    );
  });
});

describe('attachments', () => {
  const attachments = [
    { type: 'image/png', url: 'https://files.example/cat.png', name: 'cat <1>.png' },
    { type: 'file', url: 'javascript:alert(1)', name: 'evil' },
    { type: 'file', url: 'https://files.example/a|b', name: 'piped' },
    { type: 'file', url: 'http://files.example/report.pdf?x=1', name: '' },
  ];

  it('links only http(s) URLs, escapes names and makes image blocks of images', () => {
    const found = lineAttachments(attachments as never);
    expect(found.map((a) => a.url)).toEqual(['https://files.example/cat.png', 'http://files.example/report.pdf?x=1']);
    expect(found.map((a) => a.image)).toEqual([true, false]);
    const event = classified('see', { kind: EventKind.MESSAGE });
    event.message!.attachments = attachments as never;
    const message = renderLine(classifiedLine(event));
    expect(message.text).toBe(
      '*User*: see\n:paperclip: <https://files.example/cat.png|cat &lt;1&gt;.png>, <http://files.example/report.pdf?x=1|report.pdf>',
    );
    expect(message.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: message.text } },
      { type: 'image', image_url: 'https://files.example/cat.png', alt_text: 'cat <1>.png' },
    ]);
  });

  it('keeps the links within their room, leaving the last ones out', () => {
    const long = Array.from({ length: 5 }, (_, i) => ({
      type: 'file',
      url: `https://files.example/${'x'.repeat(900)}${i}`,
      name: `f${i}`,
    }));
    const links = attachmentLinks(lineAttachments(long as never), 1500);
    expect(links.length).toBeLessThanOrEqual(1500);
    expect(links).toContain('|f0>');
    expect(links).not.toContain('|f1>');
  });

  it('shows the first message’s attachments in the root as links, never as images', () => {
    const event = classified('hello');
    event.message!.attachments = attachments as never;
    const root = renderRoot({
      summary: summary('x', {}),
      transcriptUrl: 'http://console/c1',
      taskUrl: 'http://console/c1/task',
    });
    expect(JSON.stringify(root.blocks)).not.toContain('paperclip');
    const withFiles = renderRoot({
      summary: { ...summary('x'), attachments: lineAttachments(attachments as never) },
      transcriptUrl: 'http://console/c1',
      taskUrl: 'http://console/c1/task',
    });
    const blocks = withFiles.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.some((b) => b.type === 'image')).toBe(false);
    expect(blocks.find((b) => b.text?.text.startsWith(':paperclip:'))?.text?.text).toContain('cat &lt;1&gt;.png');
  });
});
