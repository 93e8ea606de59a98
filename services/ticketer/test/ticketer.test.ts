// The ticketer as a process on the real broker and Redis, against the sandbox Asana: one conversation's
// task from creation to completion and back, a cached tag deleted in Asana, and a 429 storm that delays but
// loses nothing.
import { Priority, StatusChange } from '@switchboard/proto';
import { eventually } from '../../../test/support/services';
import { createKeys } from '@switchboard/store';
import { ticketerKeys } from '../src/keys';
import { TicketStore } from '../src/ticket-store';
import { PROJECT_GID, TicketerHarness, comments, duplicateMarkers } from './harness';

/** The ticketer's in-lane retries of conv.classified events so far (its /metrics). */
async function ticketerRetries(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => /^switchboard_events_total\{[^}]*topic="[^"]*conv\.classified"[^}]*outcome="retry"/.test(l));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

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
    // The console's link to wherever the conversation is in Slack, from the start.
    expect(task!.notes).toContain(
      'Live transcript: http://console.test/console/conversations/life-1\nSlack thread: http://console.test/console/conversations/life-1/slack',
    );

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
    // Completion and each change's comment are separate Asana calls: wait for all of them, then check the order.
    task = await h.eventually('life-1', (t) => t.completed && comments(t).length >= 5, 'completion and comments');
    expect(comments(task!).slice(1)).toEqual([
      'Reviewed by Bo.',
      'Bo took over the conversation from the bot.',
      'Note from Bo: refund approved',
      'Bo handed the conversation back to the bot.',
    ]);

    // A new message on the completed task: the status service's REOPENED reopens it, once, with the reason.
    await h.message('life-1', 'one more thing');
    await h.status('life-1', StatusChange.REOPENED, 'the user wrote again', {
      name: 'the user writing again',
      source: 'system',
    });
    task = await h.eventually(
      'life-1',
      (t) =>
        !t.completed &&
        comments(t).includes('Ann: one more thing') &&
        comments(t).some((c) => c.startsWith('Reopened')),
      'reopen by the status service, and its comment',
    );
    expect(comments(task!).filter((c) => c.startsWith('Reopened'))).toEqual(['Reopened: the user wrote again.']);

    // A new owner becomes the assignee (Asana takes an email); one Asana does not know is said in a comment.
    await h.status('life-1', StatusChange.ASSIGNED, '', { name: 'Ann', email: 'ann@nowhere.example', source: 'slack' });
    task = await h.eventually(
      'life-1',
      (t) =>
        comments(t).some((c) => c.includes('no Asana user has the email ann@nowhere.example')) &&
        comments(t).includes('Owner: Ann (from Slack).'),
      'the owner and the unknown email said',
    );
    expect(comments(task!)).toContain('Owner: Ann (from Slack).');

    await h.status('life-1', StatusChange.SPAM);
    task = await h.eventually('life-1', (t) => t.completed && t.tags.some((tag) => tag.name === 'spam'), 'spam');
    await h.status('life-1', StatusChange.REOPENED);
    task = await h.eventually(
      'life-1',
      (t) => !t.completed && comments(t).includes('Reopened by Bo.'),
      'reopen by status',
    );

    const all = await h.tasks();
    expect(all).toHaveLength(1);
    expect(task!.notes.match(/Slack thread:/g)).toHaveLength(1);
  });

  it('spends no Asana call on the Slack link, and adds it to a task an earlier ticketer left without one', async () => {
    const store = new TicketStore(h.redis, ticketerKeys(createKeys(h.system.env.REDIS_KEY_PREFIX)));
    const pending = ticketerKeys(createKeys(h.system.env.REDIS_KEY_PREFIX)).ticketerLinkPending();
    const updates = await h.asanaCalls('PUT /tasks/:task_gid');
    await h.message('linked-1', 'where is my parcel');
    const task = (await h.eventually('linked-1', () => true, 'the task'))!;
    expect(task.notes).toContain('Slack thread: http://console.test/console/conversations/linked-1/slack');
    expect(await h.redis.zscore(pending, 'linked-1')).toBeNull();
    // Wherever the notifier places it later (its own root or a digest's line), the task needs no update.
    await h.refs.setSlackRoot('linked-1', { channel: 'C1', ts: '5.6', permalink: 'http://slack.test/p56' });
    await h.message('linked-1', 'still waiting');
    await h.eventually('linked-1', (t) => comments(t).length === 1, 'the comment');
    expect(await h.asanaCalls('PUT /tasks/:task_gid')).toBe(updates);

    // A task an earlier ticketer made without the link, and left waiting for the permalink: linked at once.
    const older = task.notes.replace('\nSlack thread: http://console.test/console/conversations/linked-1/slack', '');
    await h.asana('PUT', `/tasks/${task.gid}`, { notes: older });
    await store.saveTicket('linked-1', { notes: older, slackLinked: false });
    await store.awaitSlackLink('linked-1', Date.now());
    const relinked = await h.eventually(
      'linked-1',
      (t) => t.notes.includes('Slack thread: '),
      'the Slack link added by the flusher',
    );
    expect(relinked!.notes).toBe(task.notes);
    await eventually(
      () => h.redis.zscore(pending, 'linked-1'),
      (score) => score === null,
      30000,
      'done waiting',
    );
    expect((await store.ticket('linked-1')).slackLinked).toBe(true);
  });

  it('finds or makes a tag again when the cached one was deleted in Asana, for a new task and for spam', async () => {
    await h.message('tag-1', 'first', { priority: Priority.HIGH });
    const first = await h.eventually('tag-1', (t) => t.tags.length === 1, 'the first task with its priority tag');
    await h.deleteTag(first!.tags[0].gid);
    await h.message('tag-2', 'second', { priority: Priority.HIGH });
    const second = await h.eventually('tag-2', (t) => t.tags.length === 1, 'the second task with its priority tag');
    expect(second!.tags[0].name).toBe('priority: high');
    expect(second!.tags[0].gid).not.toBe(first!.tags[0].gid);

    await h.status('tag-1', StatusChange.SPAM);
    const spam = (await h.eventually(
      'tag-1',
      (t) => t.tags.some((tag) => tag.name === 'spam'),
      'the spam tag',
    ))!.tags.find((t) => t.name === 'spam')!;
    await h.deleteTag(spam.gid);
    await h.status('tag-2', StatusChange.SPAM);
    const spammed = await h.eventually(
      'tag-2',
      (t) => t.completed && t.tags.some((tag) => tag.name === 'spam'),
      'the spam tag made again',
    );
    expect(spammed!.tags.find((t) => t.name === 'spam')!.gid).not.toBe(spam.gid);
    expect(comments(spammed!)).toEqual(['Marked as spam by Bo.']);
  });

  it('does not search the project for a task whose create waited for a tag another lane was finding', async () => {
    await h.message('lease-warm', 'a first task, so the project is read back before we count');
    await h.eventually('lease-warm', () => true, 'the first task');
    const searches = await h.asanaCalls('GET /tasks');
    // Another lane holds the tag's lease: the create is refused as contention and tried again in its lane.
    const store = new TicketStore(h.redis, ticketerKeys(createKeys(h.system.env.REDIS_KEY_PREFIX)));
    const retries = () => ticketerRetries(h.system.services.get('ticketer')!.port);
    const before = await retries();
    const held = store.withLease('ticketer-tag', 'priority: low', async () => {
      await h.message('lease-1', 'made once the tag is free', { priority: Priority.LOW });
      await eventually(retries, (n) => n > before, 30000, 'the ticketer finding the tag busy');
    });
    expect(await held).toBeDefined();
    const task = await h.eventually('lease-1', () => true, 'the task, once the tag was free');
    expect(task!.tags.map((t) => t.name)).toEqual(['priority: low']);
    // With an intent marked before the tags were known, the retry would have searched the project first.
    expect(await h.asanaCalls('GET /tasks')).toBe(searches);
    expect(duplicateMarkers(await h.tasks())).toEqual([]);
  });

  it('rides out a 429 storm from Asana without losing or duplicating anything', async () => {
    await h.fault(429, 4, 1);
    const ids = Array.from({ length: 20 }, (_, i) => `storm-${i}`);
    await h.messages(ids.map((conversationId) => ({ conversationId, text: `help ${conversationId}` })));
    await h.messages(ids.map((conversationId) => ({ conversationId, text: `still there? ${conversationId}` })));
    const stormTasks = async () => (await h.tasks()).filter((t) => t.name.includes('help storm-'));
    const tasks = await eventually(
      stormTasks,
      (all) => all.length >= 20 && all.every((t) => comments(t).length >= 1),
      60000,
      'every task and comment',
    );
    expect(tasks).toHaveLength(20);
    expect(duplicateMarkers(await h.tasks())).toEqual([]);
    for (const t of tasks) expect(comments(t)).toEqual([`Ann: still there? ${t.name.replace(/^.*help /, '')}`]);
    const state = (await (await fetch(`${h.sandbox.url}/_sandbox/state`)).json()) as { asana: { ratelimited: number } };
    expect(state.asana.ratelimited).toBeGreaterThan(0);
  }, 90000);
});

describe('ticketer with a section that was deleted in Asana', () => {
  const h = new TicketerHarness();
  let inbox: { gid: string };

  beforeAll(async () => {
    await h.start();
    inbox = await h.asana<{ gid: string }>('POST', `/projects/${PROJECT_GID}/sections`, { name: 'Inbox' });
    h.system.env.ASANA_SECTION_GID = inbox.gid;
    await h.system.start('ticketer');
  }, 90000);
  afterAll(() => h.stop());

  it('puts new tasks in the project instead of sending them to the DLQ', async () => {
    await h.asana('DELETE', `/sections/${inbox.gid}`);
    await h.message('sectionless-1', 'hello');
    const task = await h.eventually('sectionless-1', () => true, 'the task in the project');
    expect(task!.projects).toEqual([PROJECT_GID]);
    expect(task!.memberships[0].section).not.toBe(inbox.gid);
    expect(h.system.services.get('ticketer')!.output.join('\n')).toContain('ASANA_SECTION_GID names a deleted section');
  });
});
