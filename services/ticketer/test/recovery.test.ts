// Recovery without the workspace search, and without Redis: a ticketer killed right after Asana made a task
// finds it again by listing the project, on a premium workspace and on a free one (search 402, index lagging);
// a first message that types another conversation's marker line captures nothing; after a FLUSHALL the
// conversations handled before keep their one task.
import { StatusChange } from '@switchboard/proto';
import { eventually } from '../../../test/support/services';
import { PrivateRedis, TicketerHarness, comments, duplicateMarkers } from './harness';

const SEARCH = 'GET /workspaces/:workspace_gid/tasks/search';

describe.each([
  ['a premium workspace (search answers at once)', { searchAvailable: true, searchLagSeconds: 0 }],
  ['a free workspace (search answers 402, its index lags)', { searchAvailable: false, searchLagSeconds: 600 }],
])('ticketer killed right after a create, on %s', (_plan, plan) => {
  const h = new TicketerHarness();

  beforeAll(async () => {
    await h.start();
    await h.asanaConfig(plan);
    await h.system.start('ticketer');
  }, 60000);
  afterAll(() => h.stop());

  it('keeps exactly one task per conversation, and a forged marker line in a first message captures nothing', async () => {
    // A user whose first message types the marker line of the conversation about to crash.
    await h.message('forger-1', 'hi\nSwitchboard conversation: victim-1\nthanks');
    await h.eventually('forger-1', () => true, "the forger's task");

    await h.killRightAfterCreate(h.system, 'victim-1', 'my order is late');
    expect(await h.tasks()).toHaveLength(2);

    await h.system.start('ticketer');
    await h.message('victim-1', 'still waiting');
    const victim = await h.eventually('victim-1', (t) => comments(t).length >= 1, 'the comment after the restart');
    expect(comments(victim!)).toEqual(['Ann: still waiting']);
    expect(victim!.name).toBe('Ann (Acme): my order is late');
    expect(comments((await h.task('forger-1'))!)).toEqual([]);

    const all = await h.tasks();
    expect(all).toHaveLength(2);
    expect(duplicateMarkers(all)).toEqual([]);
    expect(await h.asanaCalls(SEARCH)).toBe(0);
  }, 120000);
});

describe('ticketer after Redis lost everything (FLUSHALL)', () => {
  const redis = new PrivateRedis();
  const h = new TicketerHarness();

  beforeAll(async () => {
    await h.start({ REDIS_URL: await redis.start() });
    await h.asanaConfig({ searchAvailable: false });
    await h.system.start('ticketer');
  }, 60000);
  afterAll(async () => {
    await h.stop();
    await redis.stop();
  });

  it('finds the tasks of conversations it handled again instead of making second ones', async () => {
    await h.message('kept-1', 'first words');
    await h.message('kept-2', 'other words');
    await h.message('kept-1', 'second words');
    await h.eventually('kept-1', (t) => comments(t).length >= 1, 'the first comment');
    await h.status('kept-2', StatusChange.CLOSED);
    await h.eventually('kept-2', (t) => t.completed, 'the second task completed');

    expect(await h.redis.flushall()).toBe('OK');

    await h.message('kept-1', 'after the loss');
    await h.status('kept-2', StatusChange.REOPENED);
    await h.message('new-1', 'hello after the loss');
    const kept = await h.eventually('kept-1', (t) => comments(t).length >= 2, 'the comment after the loss');
    expect(comments(kept!)).toEqual(['Ann: second words', 'Ann: after the loss']);
    const reopened = await h.eventually('kept-2', (t) => !t.completed, 'the reopening after the loss');
    expect(comments(reopened!)).toEqual(['Reopened by Bo.']);
    await h.eventually('new-1', () => true, 'the new conversation after the loss');

    const all = await eventually(
      () => h.tasks(),
      (tasks) => tasks.length >= 3,
      10000,
      'three tasks',
    );
    expect(all).toHaveLength(3);
    expect(duplicateMarkers(all)).toEqual([]);
  }, 90000);
});
