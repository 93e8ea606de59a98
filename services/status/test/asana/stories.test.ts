// Asana back to the conversation, the pure part: which events are comments on tasks and assignee changes (events
// of any shape read safely), what a comment asks for, and whether a registered webhook follows all we need.
import { assigneeEvents, commentEvents, commentIntent } from '../../src/asana/stories';
import { followsAll } from '../../src/asana/asana-registration';
import { actorGid } from '../../src/asana/asana-events';
import { WEBHOOK_FILTERS } from '../../src/asana/asana-client';

const comment = (gid: string, taskGid = '77') => ({
  action: 'added',
  resource: { gid, resource_type: 'story', resource_subtype: 'comment_added' },
  parent: { gid: taskGid, resource_type: 'task' },
  user: { gid: '5' },
  created_at: '2026-11-30T06:00:00.000Z',
});

describe('comment and assignee events', () => {
  it('reads who made a change only from a well-formed user', () => {
    expect(actorGid({ user: { gid: '5', resource_type: 'user' } })).toBe('5');
    for (const user of [undefined, null, 'x', { gid: 5 }, {}]) expect(actorGid({ user })).toBeUndefined();
  });

  it('picks the comments added to tasks, each story once, and nothing else', () => {
    const events = [
      comment('101'),
      comment('101'),
      { ...comment('102'), resource: { gid: '102', resource_type: 'story', resource_subtype: 'marked_complete' } },
      { ...comment('103'), action: 'removed' },
      { ...comment('x'), parent: null },
      { action: 'changed', resource: { gid: '77', resource_type: 'task' }, change: { field: 'completed' } },
      null,
      '__proto__',
      { ...comment('104'), parent: { gid: '9', resource_type: 'project' } },
    ];
    expect(commentEvents(events)).toEqual([{ storyGid: '101', taskGid: '77' }, { storyGid: '104' }]);
    expect(commentEvents({ not: 'a list' })).toEqual([]);
  });

  it('picks assignee changes of tasks, the latest per task, with who made them', () => {
    const change = (taskGid: string, user: unknown, at: string) => ({
      action: 'changed',
      resource: { gid: taskGid, resource_type: 'task' },
      change: { field: 'assignee', action: 'changed' },
      user,
      created_at: at,
    });
    const events = [
      change('77', { gid: '5' }, 'a'),
      change('77', { gid: '6' }, 'b'),
      change('78', null, 'c'),
      { ...change('79', { gid: '5' }, 'd'), change: { field: 'completed' } },
      { ...change('80', { gid: '5' }, 'e'), change: null },
      comment('101'),
    ];
    expect(assigneeEvents(events)).toEqual([
      { taskGid: '77', userGid: '6', createdAt: 'b' },
      { taskGid: '78', createdAt: 'c' },
    ]);
  });
});

describe('what a comment asks for', () => {
  const person = { type: 'comment', authorGid: '5' };
  it.each([
    [
      'a plain comment is an internal note',
      { ...person, text: ' Called them, refund approved ' },
      { act: 'note', text: 'Called them, refund approved' },
    ],
    [
      'a reply: comment goes to the user',
      { ...person, text: 'Reply: Your refund is on its way' },
      { act: 'reply', text: 'Your refund is on its way' },
    ],
    ['an empty reply: is nothing', { ...person, text: 'reply:   ' }, { act: 'ignore', why: 'empty' }],
    [
      'our own comment coming back is ignored',
      { ...person, authorGid: '1', text: 'reply: ours' },
      { act: 'ignore', why: 'ours' },
    ],
    [
      'a system story is not a comment',
      { type: 'system', authorGid: '5', text: 'assigned to you' },
      { act: 'ignore', why: 'not_a_comment' },
    ],
  ])('%s', (_name, story, intent) => {
    expect(commentIntent(story, '1')).toEqual(intent);
  });
});

describe('the registered webhook', () => {
  it('is kept only when it follows completion, assignee and comments', () => {
    expect(followsAll(WEBHOOK_FILTERS)).toBe(true);
    expect(followsAll([{ resource_type: 'task', action: 'changed', fields: ['completed'] }])).toBe(false);
    expect(followsAll(undefined)).toBe(false);
    // As Asana lists them with opt_fields filters.*: absent sub-fields come back null.
    expect(
      followsAll([
        { resource_type: 'task', resource_subtype: null, action: 'changed', fields: ['completed', 'assignee'] },
        { resource_type: 'story', resource_subtype: 'comment_added', action: 'added', fields: null },
      ]),
    ).toBe(true);
  });
});
