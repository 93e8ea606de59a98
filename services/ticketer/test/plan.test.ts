import {
  create,
  ClassifiedEventSchema,
  Direction,
  EventKind,
  Priority,
  StatusChange,
  StatusEventSchema,
} from '@switchboard/proto';
import { parseAssignees } from '../src/config';
import {
  batchAlreadyWritten,
  isMarkedFor,
  markedConversation,
  nextState,
  notesWithSlack,
  planTicketOps,
  taskFor,
  taskMarker,
  type TicketOp,
  type TicketState,
} from '../src/plan';

/** The console's links for a conversation page at this URL. */
const links = (transcript: string) => ({ transcript, slack: `${transcript}/slack` });
const message = (text: string, direction = Direction.USER) =>
  create(ClassifiedEventSchema, {
    message: {
      eventId: 'e1',
      conversationId: 'conv-9',
      text,
      platform: 'slack',
      user: { id: 'u1', name: 'Ann' },
      team: { id: 't1', name: 'Acme' },
      direction,
    },
    kind: EventKind.CONVERSATION_STARTED,
    priority: Priority.HIGH,
    tags: ['billing'],
  });
const status = (
  change: StatusChange,
  note = '',
  actor: { name: string; email?: string; source?: string } = { name: 'Bo' },
) => create(StatusEventSchema, { eventId: 's1', conversationId: 'conv-9', change, note, actor });

const open: TicketState = { completed: false, spam: false };
const done: TicketState = { completed: true, spam: false };
const spammed: TicketState = { completed: true, spam: true };

describe('taskFor', () => {
  it('names the task after user, team and first text, and puts details, link and marker in the notes', () => {
    const task = taskFor(message('I want a\nrefund'), links('http://console/conv-9'));
    expect(task.name).toBe('Ann (Acme): I want a refund');
    expect(task.notes).toContain('Priority: high');
    expect(task.notes).toContain('Tags: billing');
    expect(task.notes).toContain('Live transcript: http://console/conv-9\nSlack thread: http://console/conv-9/slack');
    expect(task.notes.split('\n').at(-1)).toBe('Switchboard conversation: conv-9');
    expect(task.tags).toEqual(['priority: high']);
    expect(task.priority).toBe('high');
  });

  it("quotes the first message line by line, so no line of it reads as the ticketer's own", () => {
    const task = taskFor(
      message('hi\nSwitchboard conversation: victim-1\r\nLive transcript: http://evil'),
      links('http://console/conv-9'),
    );
    expect(task.notes).toContain(
      'First message:\n> hi\n> Switchboard conversation: victim-1\n> Live transcript: http://evil\n',
    );
    expect(markedConversation(task.notes)).toBe('conv-9');
    expect(isMarkedFor(task.notes, 'victim-1')).toBe(false);
    expect(isMarkedFor(task.notes, 'conv-9')).toBe(true);
  });

  it('keeps user and team names to one line', () => {
    const event = message('hi');
    event.message!.user!.name = 'Ann\nSwitchboard conversation: victim-1';
    event.message!.team!.name = 'Acme\u2028Switchboard conversation: victim-2';
    const notes = taskFor(event, links('u')).notes;
    expect(notes.split('\n').filter((line) => line.startsWith('Switchboard conversation: '))).toEqual([
      'Switchboard conversation: conv-9',
    ]);
    expect(markedConversation(notes)).toBe('conv-9');
  });

  it('writes a conversation id with whitespace or % so that no other id can claim its marker', () => {
    expect(taskMarker('conv-1')).toBe('Switchboard conversation: conv-1');
    expect(taskMarker('a b\nSwitchboard conversation: c')).toBe(
      'Switchboard conversation: a%20b%0ASwitchboard%20conversation:%20c',
    );
    expect(taskMarker('a%20b')).toBe('Switchboard conversation: a%2520b');
    expect(markedConversation(`x\n${taskMarker('a b')}`)).toBe('a b');
    expect(markedConversation(`x\n${taskMarker('a%20b')}`)).toBe('a%20b');
  });

  it('finds the marker only as an exact line, and none when two disagree', () => {
    expect(markedConversation('Switchboard conversation: conv-1')).toBe('conv-1');
    expect(markedConversation('  Switchboard conversation: conv-1')).toBeUndefined();
    expect(markedConversation('Switchboard conversation: conv-1 and more')).toBeUndefined();
    expect(markedConversation('Switchboard conversation: conv-10')).toBe('conv-10');
    expect(isMarkedFor('Switchboard conversation: conv-10', 'conv-1')).toBe(false);
    expect(markedConversation('Switchboard conversation: a\nSwitchboard conversation: b')).toBeUndefined();
    expect(markedConversation('no marker here')).toBeUndefined();
  });

  it('cuts long names', () => {
    expect(Array.from(taskFor(message('x'.repeat(500)), links('u')).name)).toHaveLength(120);
  });

  it('adds the Slack link under the transcript link to the notes of a task made without one, once', () => {
    const made = taskFor(message('hi'), links('http://t')).notes;
    const older = made.replace('\nSlack thread: http://t/slack', '');
    expect(older).not.toContain('Slack thread:');
    const later = notesWithSlack(older, 'http://t/slack');
    expect(later).toBe(made);
    expect(notesWithSlack(later, 'http://t/slack')).toBe(later);
  });
});

describe('planTicketOps', () => {
  const cases: [string, TicketState, Parameters<typeof planTicketOps>[1], TicketOp[]][] = [
    [
      'buffers a later user message',
      open,
      { type: 'message', event: message('more') },
      [{ op: 'buffer', line: 'Ann: more' }],
    ],
    ['ignores bot messages', open, { type: 'message', event: message('beep', Direction.BOT) }, []],
    ['ignores operator messages', open, { type: 'message', event: message('hi', Direction.OPERATOR) }, []],
    [
      'leaves reopening a completed task on a new user message to the status service (REOPENED)',
      done,
      { type: 'message', event: message('again') },
      [{ op: 'buffer', line: 'Ann: again' }],
    ],
    [
      'comments who reviewed',
      open,
      { type: 'status', event: status(StatusChange.REVIEWED) },
      [{ op: 'comment', text: 'Reviewed by Bo.' }],
    ],
    [
      'tags spam and completes',
      open,
      { type: 'status', event: status(StatusChange.SPAM) },
      [{ op: 'addTag', name: 'spam' }, { op: 'complete' }, { op: 'comment', text: 'Marked as spam by Bo.' }],
    ],
    [
      'says how far a spam reached: the whole team, or everything from the user',
      open,
      { type: 'status', event: { ...status(StatusChange.SPAM), wholeTeam: true, teamId: 't1' } },
      [
        { op: 'addTag', name: 'spam' },
        { op: 'complete' },
        { op: 'comment', text: 'Marked as spam by Bo (the whole team).' },
      ],
    ],
    [
      'says a not spam reached everything from the user',
      spammed,
      { type: 'status', event: { ...status(StatusChange.NOT_SPAM), wholeUser: true, userId: 'u1' } },
      [
        { op: 'removeTag', name: 'spam' },
        { op: 'uncomplete' },
        { op: 'comment', text: 'Marked as not spam by Bo (everything from this user).' },
      ],
    ],
    [
      'does not tag spam twice',
      spammed,
      { type: 'status', event: status(StatusChange.SPAM) },
      [{ op: 'comment', text: 'Marked as spam by Bo.' }],
    ],
    [
      'not spam removes the tag and reopens',
      spammed,
      { type: 'status', event: status(StatusChange.NOT_SPAM) },
      [{ op: 'removeTag', name: 'spam' }, { op: 'uncomplete' }, { op: 'comment', text: 'Marked as not spam by Bo.' }],
    ],
    [
      'comments a takeover',
      open,
      { type: 'status', event: status(StatusChange.TAKEOVER_STARTED) },
      [{ op: 'comment', text: 'Bo took over the conversation from the bot.' }],
    ],
    [
      'comments the end of a takeover',
      open,
      { type: 'status', event: status(StatusChange.TAKEOVER_ENDED) },
      [{ op: 'comment', text: 'Bo handed the conversation back to the bot.' }],
    ],
    ['completes on close', open, { type: 'status', event: status(StatusChange.CLOSED) }, [{ op: 'complete' }]],
    ['does nothing on a second close', done, { type: 'status', event: status(StatusChange.CLOSED) }, []],
    [
      'uncompletes and comments on reopen',
      done,
      { type: 'status', event: status(StatusChange.REOPENED) },
      [{ op: 'uncomplete' }, { op: 'comment', text: 'Reopened by Bo.' }],
    ],
    [
      'reopens once, with the reason, when the user wrote again on a closed conversation',
      done,
      {
        type: 'status',
        event: status(StatusChange.REOPENED, 'the user wrote again', {
          name: 'the user writing again',
          source: 'system',
        }),
      },
      [{ op: 'uncomplete' }, { op: 'comment', text: 'Reopened: the user wrote again.' }],
    ],
    [
      'makes the new owner the assignee, by email, and says so',
      open,
      {
        type: 'status',
        event: status(StatusChange.ASSIGNED, '', { name: 'Olivia', email: 'olivia@example.test', source: 'slack' }),
      },
      [
        { op: 'assign', email: 'olivia@example.test', name: 'Olivia' },
        { op: 'comment', text: 'Owner: Olivia (from Slack).' },
      ],
    ],
    [
      'comments an owner without an email (no Asana user to assign)',
      open,
      { type: 'status', event: status(StatusChange.ASSIGNED, '', { name: 'Bo', source: 'reply' }) },
      [{ op: 'comment', text: 'Owner: Bo (first reply).' }],
    ],
    [
      'never writes back an owner that came from the Asana assignee',
      open,
      {
        type: 'status',
        event: status(StatusChange.ASSIGNED, '', { name: 'Ann', email: 'ann@example.test', source: 'asana' }),
      },
      [],
    ],
    [
      'comments a note',
      open,
      { type: 'status', event: status(StatusChange.NOTE, 'called them') },
      [{ op: 'comment', text: 'Note from Bo: called them' }],
    ],
    ['skips an empty note', open, { type: 'status', event: status(StatusChange.NOTE, '  ') }, []],
    [
      'does not write back a note that came from a comment on the task',
      open,
      {
        type: 'status',
        event: create(StatusEventSchema, {
          eventId: 's1',
          conversationId: 'conv-9',
          change: StatusChange.NOTE,
          note: 'called them',
          actor: { name: 'Bo', source: 'asana' },
        }),
      },
      [],
    ],
    ['ignores unknown changes', open, { type: 'status', event: status(StatusChange.UNSPECIFIED) }, []],
  ];
  it.each(cases)('%s', (_name, state, event, ops) => {
    expect(planTicketOps(state, event)).toEqual(ops);
  });

  it('tracks completion and spam through the ops', () => {
    expect(nextState(open, [{ op: 'addTag', name: 'spam' }, { op: 'complete' }])).toEqual(spammed);
    expect(nextState(spammed, [{ op: 'removeTag', name: 'spam' }, { op: 'uncomplete' }])).toEqual(open);
  });
});

describe('batchAlreadyWritten', () => {
  it('looks only at the last few comments', () => {
    expect(batchAlreadyWritten(['a', 'b', 'x', 'c'], 'x')).toBe(true);
    expect(batchAlreadyWritten(['x', 'a', 'b', 'c'], 'x')).toBe(false);
  });
});

describe('parseAssignees', () => {
  it('reads priority=gid pairs', () => {
    expect(parseAssignees('urgent=123, high=456')).toEqual({ urgent: '123', high: '456' });
    expect(parseAssignees(undefined)).toEqual({});
  });
  it.each(['critical=1', 'urgent', 'urgent=1=2', 'high=not a gid'])('refuses %s', (text) => {
    expect(() => parseAssignees(text)).toThrow('TICKETER_ASSIGNEE_BY_PRIORITY');
  });
});

describe('a handoff on the task', () => {
  const handoff = (text: string) =>
    create(ClassifiedEventSchema, {
      message: {
        eventId: 'h1',
        conversationId: 'conv-9',
        text,
        direction: Direction.BOT,
        user: { id: 'u1', name: 'Ann' },
        team: { id: 't1', name: 'Acme' },
        handoff: { reason: 'asked for\nan agent', summary: 'Refund\nSwitchboard conversation: other' },
      },
      kind: EventKind.HANDOFF_REQUESTED,
      priority: Priority.HIGH,
    });

  it('names a task that starts with a message-less handoff by its reason, and quotes the summary in the notes', () => {
    const draft = taskFor(handoff(''), links('http://console/c'));
    expect(draft.name).toBe('Ann (Acme): The bot asks for a human: asked for an agent');
    expect(draft.notes).toContain(
      'The bot asks for a human: asked for an agent\n> Refund\n> Switchboard conversation: other',
    );
    expect(markedConversation(draft.notes)).toBe('conv-9');
  });

  it('comments a later handoff and a timeout', () => {
    expect(planTicketOps(open, { type: 'message', event: handoff('') })).toEqual([
      {
        op: 'comment',
        text: 'The bot asks for a human: asked for an agent\n> Refund\n> Switchboard conversation: other',
      },
    ]);
    expect(planTicketOps(open, { type: 'status', event: status(StatusChange.HANDOFF_TIMED_OUT) })).toEqual([
      { op: 'comment', text: 'No operator took the handoff in time: the bot has the conversation again.' },
    ]);
  });
});
