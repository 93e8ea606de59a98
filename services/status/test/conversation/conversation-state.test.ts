// The console's view of a conversation, from events.
import {
  create,
  ClassifiedEventSchema,
  Direction,
  MessageEventSchema,
  OperatorSchema,
  Priority,
  StatusChange,
  StatusEventSchema,
} from '@switchboard/proto';
import {
  availableActions,
  matchesFilter,
  statusLine,
  summaryAfterMessage,
  summaryAfterStatus,
  summaryFromHash,
} from '../../src/conversation/conversation-state';

const classified = (text: string, priority: Priority, direction = Direction.USER, tags: string[] = []) =>
  create(ClassifiedEventSchema, {
    priority,
    tags,
    message: create(MessageEventSchema, {
      eventId: text,
      conversationId: 'c1',
      text,
      direction,
      platform: 'web',
      user: { id: 'u1', name: 'Uma' },
      team: { id: 't1', name: 'Acme' },
    }),
  });

describe('summaries', () => {
  it('keeps the highest priority, all tags, the count and the last message', () => {
    const first = summaryAfterMessage(null, classified('refund now', Priority.URGENT, Direction.USER, ['refund']));
    const second = summaryAfterMessage(summaryFromHash(first), classified('ok', Priority.LOW, Direction.BOT, ['x']));
    const s = summaryFromHash({ ...first, ...second })!;
    expect(s).toMatchObject({
      id: 'c1',
      priority: 'urgent',
      tags: ['refund', 'x'],
      messages: 2,
      lastText: 'ok',
      lastFrom: 'bot',
      userName: 'Uma',
      teamName: 'Acme',
    });
  });

  it('follows status changes and offers only the actions that change something', () => {
    const base = summaryFromHash({ id: 'c1' })!;
    expect(availableActions(base)).toEqual(['reviewed', 'spam', 'takeover', 'assign_me', 'close']);
    const actor = create(OperatorSchema, { name: 'Olivia' });
    const after = (change: StatusChange, s = base) =>
      summaryFromHash({
        id: 'c1',
        ...Object.fromEntries(
          Object.entries(s).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '') : String(v)]),
        ),
        tags: '[]',
        ...summaryAfterStatus(create(StatusEventSchema, { change, actor })),
      })!;
    const taken = after(StatusChange.TAKEOVER_STARTED);
    expect(taken).toMatchObject({ control: 'human', operator: 'Olivia' });
    expect(availableActions(taken)).toContain('handback');
    const closed = after(StatusChange.CLOSED, taken);
    expect(closed).toMatchObject({ closed: true, control: 'bot' });
    expect(availableActions(closed)).toEqual(['reviewed', 'spam', 'reopen']);
    expect(statusLine(create(StatusEventSchema, { change: StatusChange.SPAM, actor, wholeTeam: true }))).toBe(
      'Olivia marked it as spam (the whole team)',
    );
    expect(statusLine(create(StatusEventSchema, { change: StatusChange.NOT_SPAM, actor, wholeUser: true }))).toBe(
      'Olivia marked it as not spam (everything from this user)',
    );
  });

  it('shows the owner apart from who holds a takeover, and offers Assign to me only while open and not spam', () => {
    const actor = create(OperatorSchema, { name: 'Olivia', source: 'console' });
    const owned = summaryFromHash({
      id: 'c1',
      ...summaryAfterStatus(create(StatusEventSchema, { change: StatusChange.ASSIGNED, actor })),
    })!;
    expect(owned).toMatchObject({ owner: 'Olivia', operator: '', control: 'bot' });
    expect(availableActions(owned)).toContain('assign_me');
    expect(availableActions({ ...owned, spam: true })).not.toContain('assign_me');
    expect(availableActions({ ...owned, closed: true })).not.toContain('assign_me');
    const reply = create(OperatorSchema, { name: 'Bo', source: 'reply' });
    expect(statusLine(create(StatusEventSchema, { change: StatusChange.ASSIGNED, actor: reply }))).toBe(
      'Bo is the owner now (first reply)',
    );
    const system = create(OperatorSchema, { id: 'system', name: 'the user writing again', source: 'system' });
    expect(
      statusLine(
        create(StatusEventSchema, { change: StatusChange.REOPENED, actor: system, note: 'the user wrote again' }),
      ),
    ).toBe('reopened: the user wrote again');
    expect(statusLine(create(StatusEventSchema, { change: StatusChange.SPAM, actor, wholeUser: true }))).toBe(
      'Olivia marked it as spam (everything from this user)',
    );
  });

  it('filters the list', () => {
    const s = summaryFromHash({
      id: 'c1',
      userName: 'Uma',
      teamName: 'Acme',
      lastText: 'refund please',
      priority: 'high',
      control: 'human',
    })!;
    expect(matchesFilter(s, { status: 'taken_over', priority: 'high', team: 'acme', q: 'REFUND uma' })).toBe(true);
    expect(matchesFilter(s, { status: 'closed' })).toBe(false);
    expect(matchesFilter(s, { q: 'invoice' })).toBe(false);
  });
});
