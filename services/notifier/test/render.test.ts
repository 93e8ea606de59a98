import { create, ClassifiedEventSchema, Direction, EventKind, Priority } from '@switchboard/proto';
import { escapeMrkdwn, renderRoot, renderThreadReply, truncate, threadWorthy, ACTION_IDS } from '../src/render';
import { decide } from '../src/notify';

const event = (text: string, over: Partial<{ priority: Priority; direction: Direction; kind: EventKind; matchedRules: string[] }> = {}) =>
  create(ClassifiedEventSchema, {
    message: { eventId: 'e1', conversationId: 'c1', text, user: { id: 'u1', name: 'Ann' }, team: { id: 't1', name: 'Acme' }, platform: 'slack', direction: over.direction ?? Direction.USER },
    kind: over.kind ?? EventKind.CONVERSATION_STARTED,
    priority: over.priority ?? Priority.NORMAL,
    matchedRules: over.matchedRules ?? [],
  });

describe('escaping user text', () => {
  it.each([
    ['<!channel> look', '&lt;!channel&gt; look'],
    ['<!here|here>', '&lt;!here|here&gt;'],
    ['<@U123> hi', '&lt;@U123&gt; hi'],
    ['<https://evil.example|https://bank.example>', '&lt;https://evil.example|https://bank.example&gt;'],
    ['a & b', 'a &amp; b'],
    ['&lt;', '&amp;lt;'],
  ])('%j shows as text', (input, output) => {
    expect(escapeMrkdwn(input)).toBe(output);
  });

  it('escapes text and names inside the root message', () => {
    const e = event('<!channel> refund now');
    e.message!.user!.name = '<@U999>';
    const json = JSON.stringify(renderRoot(e, { transcriptUrl: 'http://console/c1' }));
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U999>');
    expect(json).toContain('&lt;!channel&gt;');
  });

  it('cuts overlong text with a marker and never splits an emoji', () => {
    const cut = truncate('😀'.repeat(10), 4);
    expect(cut).toBe('😀😀😀😀 … (6 more characters)');
  });
});

describe('renderRoot', () => {
  it('has the three operator buttons carrying the conversation id, and the transcript link', () => {
    const root = renderRoot(event('hi'), { transcriptUrl: 'http://console/c1', taskUrl: 'http://asana/1' });
    const actions = root.blocks.find((b) => (b as { type: string }).type === 'actions') as { elements: { action_id: string; value: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual([ACTION_IDS.reviewed, ACTION_IDS.spam, ACTION_IDS.takeover]);
    expect(actions.elements.every((e) => e.value === 'c1')).toBe(true);
    expect(JSON.stringify(root)).toContain('<http://console/c1|Live transcript>');
    expect(JSON.stringify(root)).toContain('<http://asana/1|Asana task>');
  });

  it('marks urgent conversations visibly', () => {
    expect(JSON.stringify(renderRoot(event('sue', { priority: Priority.URGENT }), { transcriptUrl: 'x' }))).toContain('URGENT');
  });
});

describe('threading', () => {
  it('threads user messages and rule hits, not plain bot replies', () => {
    expect(threadWorthy(event('hi', { kind: EventKind.MESSAGE }), Priority.NORMAL)).toBe(true);
    expect(threadWorthy(event('hi', { kind: EventKind.MESSAGE, direction: Direction.BOT }), Priority.NORMAL)).toBe(false);
    expect(threadWorthy(event('refund', { kind: EventKind.MESSAGE, direction: Direction.BOT, matchedRules: ['refund'] }), Priority.NORMAL)).toBe(true);
    expect(threadWorthy(event('hi', { kind: EventKind.MESSAGE }), Priority.HIGH)).toBe(false);
  });

  it('posts a root when there is none, a reply or nothing otherwise', () => {
    expect(decide(event('hi', { kind: EventKind.MESSAGE }), false, Priority.NORMAL)).toBe('root');
    expect(decide(event('hi', { kind: EventKind.MESSAGE }), true, Priority.NORMAL)).toBe('thread');
    expect(decide(event('hi'), true, Priority.NORMAL)).toBe('skip');
    expect(renderThreadReply(event('hi', { kind: EventKind.MESSAGE })).text).toBe('*User*: hi');
  });
});
