// The ticketer as a process on the real broker and Redis, against the sandbox Asana: one conversation's
// task from creation to completion and back, and a 429 storm that delays but loses nothing.
import { Priority, StatusChange } from '@switchboard/proto';
import { eventually } from '../../../test/support/services';
import { TicketerHarness, comments, duplicateMarkers } from './harness';

describe('ticketer', () => {
  const h = new TicketerHarness();

  beforeAll(async () => {
    await h.start({ TICKETER_ASSIGNEE_BY_PRIORITY: 'urgent=me' });
    await h.system.start('ticketer');
  }, 90000);

  afterAll(() => h.stop());

  it('follows a conversation: create, batched comments, status changes, completion and reopening', async () => {
    const first = await h.message('life-1', 'my invoice is wrong', { priority: Priority.URGENT });
    let task = await h.eventually('life-1', () => true, 'the task');
    expect(task!.name).toBe('Ann (Acme): my invoice is wrong');
    expect(task!.notes).toContain('Priority: urgent');
    expect(task!.notes).toContain('Live transcript: http://console.test/');
    expect(task!.tags.map((t) => t.name)).toEqual(['priority: urgent']);
    expect(task!.assignee).not.toBeNull();

    // The notifier records the Slack permalink later: the notes get it once.
    await h.refs.setSlackRoot('life-1', { channel: 'C1', ts: '1.2', permalink: 'http://slack.test/p12' });
    await h.eventually('life-1', (t) => t.notes.includes('Slack thread: http://slack.test/p12'), 'the Slack link in the notes');

    // Three quick messages, one redelivered: one comment, three lines, in order.
    const second = await h.message('life-1', 'it says 200');
    await h.message('life-1', 'should be 100');
    await h.message('life-1', 'should be 100', { eventId: second.replace(/m\d+$/, 'm999') }); // a different event, same text
    await h.message('life-1', 'it says 200', { eventId: second }); // redelivery of the same event
    await h.message('life-1', 'my invoice is wrong', { eventId: first }); // and of the first
    task = await h.eventually('life-1', (t) => comments(t).length >= 1, 'the batched comment');
    expect(comments(task!)).toEqual(['Ann: it says 200\nAnn: should be 100\nAnn: should be 100']);

    await h.status('life-1', StatusChange.REVIEWED);
    await h.status('life-1', StatusChange.TAKEOVER_STARTED);
    await h.status('life-1', StatusChange.NOTE, 'refund approved');
    await h.status('life-1', StatusChange.TAKEOVER_ENDED);
    await h.status('life-1', StatusChange.CLOSED);
    task = await h.eventually('life-1', (t) => t.completed, 'completion');
    expect(comments(task!).slice(1)).toEqual([
      'Reviewed by Bo.',
      'Bo took over the conversation from the bot.',
      'Note from Bo: refund approved',
      'Bo handed the conversation back to the bot.',
    ]);

    // A new message on the completed task reopens it and says so.
    await h.message('life-1', 'one more thing');
    task = await h.eventually('life-1', (t) => !t.completed && comments(t).includes('Ann: one more thing'), 'reopen by message');
    expect(comments(task!).slice(-2)).toEqual(['Reopened: Ann wrote again.', 'Ann: one more thing']);

    await h.status('life-1', StatusChange.SPAM);
    task = await h.eventually('life-1', (t) => t.completed && t.tags.some((tag) => tag.name === 'spam'), 'spam');
    await h.status('life-1', StatusChange.REOPENED);
    task = await h.eventually('life-1', (t) => !t.completed && comments(t).includes('Reopened by Bo.'), 'reopen by status');

    const all = await h.tasks();
    expect(all).toHaveLength(1);
    expect(task!.notes.match(/Slack thread:/g)).toHaveLength(1);
  });

  it('rides out a 429 storm from Asana without losing or duplicating anything', async () => {
    await h.fault(429, 4, 1);
    const ids = Array.from({ length: 20 }, (_, i) => `storm-${i}`);
    await h.messages(ids.map((conversationId) => ({ conversationId, text: `help ${conversationId}` })));
    await h.messages(ids.map((conversationId) => ({ conversationId, text: `still there? ${conversationId}` })));
    const stormTasks = async () => (await h.tasks()).filter((t) => t.name.includes('help storm-'));
    const tasks = await eventually(stormTasks, (all) => all.length >= 20 && all.every((t) => comments(t).length >= 1), 60000, 'every task and comment');
    expect(tasks).toHaveLength(20);
    expect(duplicateMarkers(await h.tasks())).toEqual([]);
    for (const t of tasks) expect(comments(t)).toEqual([`Ann: still there? ${t.name.replace(/^.*help /, '')}`]);
    const state = (await (await fetch(`${h.sandbox.url}/_sandbox/state`)).json()) as { asana: { ratelimited: number } };
    expect(state.asana.ratelimited).toBeGreaterThan(0);
  }, 90000);
});
