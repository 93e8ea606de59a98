// One conversation through the whole system: ingress → conv.raw → classifier → conv.classified →
// notifier (Slack root message), ticketer (Asana task), status (transcript), with the real broker and
// Redis, the services as separate processes, and the sandbox standing in for Slack and Asana.
import { startSandbox } from '@switchboard/sandbox';
import { TestSystem, eventually } from '../support/services';

const API_KEY = 'e2e-key-0123456789abcdef';

describe('walking skeleton', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    system = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-e2e',
      SLACK_API_URL: sandbox.slackApiUrl,
      SLACK_TRIAGE_CHANNEL: '#triage-e2e',
      ASANA_TOKEN: 'asana-e2e',
      ASANA_BASE_URL: sandbox.asanaBaseUrl,
      ASANA_PROJECT_GID: '1200000000000001',
      INGRESS_API_KEYS: `e2e-bot:${API_KEY}`,
      CONSOLE_BASE_URL: 'http://console.test/',
    });
    await Promise.all(
      (['ingress', 'classifier', 'notifier', 'ticketer', 'status'] as const).map((name) => system.start(name)),
    );
  }, 120000);

  afterAll(async () => {
    await system?.stopAll();
    await sandbox?.close();
  });

  const post = (body: unknown) =>
    fetch(system.url('ingress', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify(body),
    });
  const slackMessages = async () =>
    (await (await fetch(`${sandbox.url}/_sandbox/slack/messages`)).json()) as {
      channel: string;
      channel_id: string;
      ts: string;
      text: string;
      thread_ts?: string;
      reply_count?: number;
    }[];
  const asanaTasks = async () =>
    (await (await fetch(`${sandbox.url}/_sandbox/asana/tasks`)).json()) as {
      name: string;
      notes: string;
      stories: { text: string }[];
    }[];
  const listOf = <T>(value: T[] | { messages?: T[]; tasks?: T[] }): T[] =>
    Array.isArray(value) ? value : (value.messages ?? value.tasks ?? []);

  it('turns one posted event into exactly one Slack root message and one Asana task', async () => {
    const event = {
      conversation_id: 'c1',
      user: { id: 'u1', name: 'Ann' },
      team: { id: 't1', name: 'Acme' },
      text: 'hi',
    };
    const res = await post(event);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { events: { event_id: string }[] };
    expect(body).toMatchObject({ accepted: 1, duplicates: 0, control: 'bot' });

    const messages = await eventually(
      async () => listOf(await slackMessages()),
      (m) => m.length >= 1,
      30000,
      'a Slack message',
    );
    const tasks = await eventually(
      async () => listOf(await asanaTasks()),
      (t) => t.length >= 1,
      30000,
      'an Asana task',
    );

    // The same event again (a client retry with its idempotency key) changes nothing downstream.
    const again = await post({ ...event, event_id: body.events[0].event_id });
    expect(again.status).toBe(202);
    expect(((await again.json()) as { duplicates: number }).duplicates).toBe(1);

    await new Promise((r) => setTimeout(r, 2000));
    expect(listOf(await slackMessages())).toHaveLength(1);
    expect(listOf(await asanaTasks())).toHaveLength(1);
    expect(messages[0].channel).toBe('#triage-e2e');
    expect(messages[0].text).toContain('Ann');
    expect(tasks[0].name).toBe('Ann (Acme): hi');
    // The marker that lets the ticketer find its task again in Asana (ASANA_EXTERNAL_IDS=false, the default).
    // The conversation id there is scoped by the bot (its API key's name), so two bots' c1 never meet.
    expect(tasks[0].notes.split('\n').filter((line) => line.startsWith('Switchboard conversation: '))).toEqual([
      'Switchboard conversation: e2e-bot:c1',
    ]);
  });

  it('threads a later message under the root and comments it on the task', async () => {
    const res = await post({
      conversation_id: 'c1',
      user: { id: 'u1', name: 'Ann' },
      team: { id: 't1', name: 'Acme' },
      text: 'are you there?',
    });
    expect(res.status).toBe(202);
    const messages = await eventually(
      async () => listOf(await slackMessages()),
      (m) => m.length >= 2,
      30000,
      'a thread reply',
    );
    // Exactly one root and one reply, and the reply sits in the root's thread (same channel, thread_ts = root's ts).
    const roots = messages.filter((m) => !m.thread_ts);
    const replies = messages.filter((m) => m.thread_ts);
    expect(roots).toHaveLength(1);
    expect(replies).toHaveLength(1);
    const [root] = roots;
    const [reply] = replies;
    expect(reply.channel_id).toBe(root.channel_id);
    expect(reply.thread_ts).toBe(root.ts);
    expect(reply.text).toContain('are you there?');
    expect(root.text).not.toContain('are you there?');
    const rootNow = listOf(await slackMessages()).find((m) => m.ts === root.ts)!;
    expect(rootNow.reply_count).toBe(1);
    const [task] = await eventually(
      async () => listOf(await asanaTasks()),
      (t) => t[0]?.stories.some((s) => s.text.includes('are you there?')),
      30000,
      'a task comment',
    );
    expect(task.stories.filter((s) => s.text === 'Ann: are you there?')).toHaveLength(1);
  });

  it('rejects a request without a valid API key and one that is not JSON', async () => {
    const noKey = await fetch(system.url('ingress', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noKey.status).toBe(401);
    const notJson = await fetch(system.url('ingress', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${API_KEY}` },
      body: 'hello',
    });
    expect(notJson.status).toBe(415);
    expect(((await notJson.json()) as { message: string }).message).toContain('application/json');
    const broken = await fetch(system.url('ingress', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: '{"conversation_id":',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { message: string }).message).toContain('not valid JSON');
  });
});
