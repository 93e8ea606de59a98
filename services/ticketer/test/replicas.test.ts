// Exactly one task per conversation with two ticketer processes, and after a crash between Asana creating
// the task and the ticketer recording it (a kill -9 while the sandbox holds the create answer) — in both ways
// back from Asana: the notes marker found in the project listing (the default), and external.gid
// (ASANA_EXTERNAL_IDS=true).
import { TestSystem, eventually } from '../../../test/support/services';
import { TicketerHarness, comments, duplicateMarkers } from './harness';

describe.each([
  ['notes marker and project listing', 'false'],
  ['external ids', 'true'],
])('ticketer replicas (%s)', (_mode, externalIds) => {
  const h = new TicketerHarness();

  beforeAll(() => h.start({ ASANA_EXTERNAL_IDS: externalIds }), 60000);
  // A second ticketer process: TestSystem keys processes by name, so the twin is a second system on the same
  // topics and keys.
  const twin = () => new TestSystem(h.system.env);
  let replica: TestSystem | undefined;
  afterAll(async () => {
    await replica?.stopAll();
    await h.stop();
  });

  it('makes no second task when killed right after the create call and restarted', async () => {
    await h.system.start('ticketer');
    await h.killRightAfterCreate(h.system, 'crash-1', 'first words');
    expect(await h.tasks()).toHaveLength(1);

    await h.system.start('ticketer');
    await h.message('crash-1', 'second words');
    const task = await h.eventually('crash-1', (t) => comments(t).length >= 1, 'the comment after the restart');
    expect(comments(task!)).toEqual(['Ann: second words']);
    expect(await h.tasks()).toHaveLength(1);
    if (externalIds === 'true') expect(task!.external?.gid).toBe('crash-1');
    await h.system.stop('ticketer');
  }, 90000);

  if (externalIds === 'false') {
    it('two processes on 500 new conversations make exactly 500 tasks', async () => {
      const before = (await h.tasks()).length;
      replica = twin();
      await Promise.all([h.system.start('ticketer'), replica.start('ticketer')]);
      const ids = Array.from({ length: 500 }, (_, i) => `many-${i}`);
      for (let i = 0; i < ids.length; i += 100)
        await h.messages(
          ids.slice(i, i + 100).map((conversationId) => ({ conversationId, text: `hello from ${conversationId}` })),
        );
      const all = await eventually(
        () => h.tasks(),
        (t) => t.length >= before + 500,
        120000,
        '500 tasks',
      );
      await new Promise((r) => setTimeout(r, 1500));
      const settled = await h.tasks();
      expect(settled).toHaveLength(before + 500);
      expect(all.length).toBe(before + 500);
      expect(duplicateMarkers(settled)).toEqual([]);
      const state = (await (await fetch(`${h.sandbox.url}/_sandbox/state`)).json()) as {
        duplicateExternalGids: string[];
      };
      expect(state.duplicateExternalGids).toEqual([]);
    }, 180000);
  }
});
