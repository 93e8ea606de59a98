// Two bots (two API keys) that use the same ids never meet, tried as an attacker would on the running
// system (real Kafka and Redis, the five services as processes, the sandbox for Slack and Asana, the example
// bot on the webhook): bot B reusing bot A's event id is not a duplicate, reusing A's conversation id makes
// its own root and task, B's key reads `bot` for A's taken-over conversation, and an operator message in
// A's conversation reaches the webhook with A's own conversation id.
import type { ExampleBot } from '@switchboard/example-bot';
import { eventually, type TestSystem } from '../support/services';
import { startOperatorSystem, type OperatorSystem } from '../support/operator-system';
import { signedHeaders } from '../support/slack';

const KEY_A = 'bot-a-key-0123456789abcdef';
const KEY_B = 'bot-b-key-0123456789abcdef';
const SIGNING_SECRET = 'scope-test-signing-secret';
const WEBHOOK_SECRET = 'scope-test-bot-webhook-secret';

jest.setTimeout(180000);

interface SandboxMessage {
  channel_id: string;
  ts: string;
  thread_ts?: string;
  text: string;
  reply_count?: number;
}
interface SandboxTask {
  name: string;
  notes: string;
  stories: { text: string }[];
}
interface Accepted {
  accepted: number;
  duplicates: number;
  events: { event_id: string; conversation_id: string; duplicate: boolean }[];
  control: string;
}

describe('bots are kept apart by their API key', () => {
  let whole: OperatorSystem;
  let system: TestSystem;
  // One webhook for both bots: it receives every operator message, and bot_id says whose it is.
  let webhook: ExampleBot;

  beforeAll(async () => {
    whole = await startOperatorSystem({
      bot: 'bot-a',
      apiKey: KEY_A,
      signingSecret: SIGNING_SECRET,
      webhookSecret: WEBHOOK_SECRET,
      password: 'correct horse battery staple',
      channel: '#triage-scope',
      env: { INGRESS_API_KEYS: `bot-a:${KEY_A},bot-b:${KEY_B}` },
    });
    ({ system, bot: webhook } = whole);
  });

  afterAll(async () => {
    await whole?.stop();
  });

  const post = async (key: string, body: unknown) => {
    const res = await fetch(system.url('ingress', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as Accepted;
  };
  const control = async (key: string, conversationId: string) => {
    const res = await fetch(system.url('status', `/v1/conversations/${encodeURIComponent(conversationId)}/control`), {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { conversationId: string; control: string; operator?: string };
  };
  const slackMessages = () => whole.slackMessages<SandboxMessage>();
  const asanaTasks = () => whole.asanaTasks<SandboxTask>();
  /** The tasks whose marker line names exactly this (scoped) conversation. */
  const tasksOf = async (scoped: string) =>
    (await asanaTasks()).filter((t) => t.notes.split('\n').includes(`Switchboard conversation: ${scoped}`));
  /** Root messages (not thread replies) whose buttons carry exactly this (scoped) conversation. */
  const rootsOf = async (scoped: string) =>
    (await slackMessages()).filter((m) => !m.thread_ts && JSON.stringify(m).includes(`"value":"${scoped}"`));
  const user = (id: string) => ({ user: { id, name: id }, team: { id: 't-acme', name: 'Acme' } });
  const signed = (body: string, contentType: string) => signedHeaders(SIGNING_SECRET, body, contentType);
  const postSigned = (path: string, body: string, contentType: string) =>
    fetch(system.url('status', path), { method: 'POST', headers: signed(body, contentType), body });

  it("accepts bot B's event that reuses bot A's event id as new, and processes it", async () => {
    const a = await post(KEY_A, {
      event_id: 'shared-event-1',
      conversation_id: 'conv-of-a-1',
      ...user('ann'),
      text: 'A: where is my parcel',
    });
    expect(a).toMatchObject({
      accepted: 1,
      duplicates: 0,
      events: [{ event_id: 'shared-event-1', conversation_id: 'conv-of-a-1', duplicate: false }],
    });
    const b = await post(KEY_B, {
      event_id: 'shared-event-1',
      conversation_id: 'conv-of-b-1',
      ...user('bob'),
      text: 'B: what are your opening hours',
    });
    expect(b).toEqual({
      accepted: 1,
      duplicates: 0,
      events: [{ event_id: 'shared-event-1', conversation_id: 'conv-of-b-1', duplicate: false }],
      control: 'bot',
    });
    // Processed: B's conversation gets its root and its task like any other.
    const [root] = await eventually(
      () => rootsOf('bot-b:conv-of-b-1'),
      (m) => m.length === 1,
      30000,
      "bot B's root",
    );
    expect(root.text).toContain('bob');
    const [task] = await eventually(
      () => tasksOf('bot-b:conv-of-b-1'),
      (t) => t.length === 1,
      30000,
      "bot B's task",
    );
    expect(task.name).toBe('bob (Acme): B: what are your opening hours');
    // A's own retry of its id is still a duplicate: the idempotency key holds within a bot.
    const again = await post(KEY_A, {
      event_id: 'shared-event-1',
      conversation_id: 'conv-of-a-1',
      ...user('ann'),
      text: 'A: where is my parcel',
    });
    expect(again).toMatchObject({
      accepted: 0,
      duplicates: 1,
      events: [{ event_id: 'shared-event-1', conversation_id: 'conv-of-a-1', duplicate: true }],
    });
  });

  it("gives bot B its own root and task for bot A's conversation id, and leaves A's transcript untouched", async () => {
    await post(KEY_A, { event_id: 'a-1', conversation_id: 'shared-conv', ...user('ann'), text: 'A: I want a refund' });
    const [rootA] = await eventually(
      () => rootsOf('bot-a:shared-conv'),
      (m) => m.length === 1,
      30000,
      "bot A's root",
    );
    const [taskA] = await eventually(
      () => tasksOf('bot-a:shared-conv'),
      (t) => t.length === 1,
      30000,
      "bot A's task",
    );
    expect(taskA.name).toBe('ann (Acme): A: I want a refund');

    await post(KEY_B, { event_id: 'b-1', conversation_id: 'shared-conv', ...user('mallory'), text: 'B: first words' });
    await post(KEY_B, {
      event_id: 'b-2',
      conversation_id: 'shared-conv',
      ...user('mallory'),
      text: 'B: injected into A?',
    });
    const [rootB] = await eventually(
      () => rootsOf('bot-b:shared-conv'),
      (m) => m.length === 1,
      30000,
      "bot B's root",
    );
    expect(rootB.ts).not.toBe(rootA.ts);
    const [taskB] = await eventually(
      () => tasksOf('bot-b:shared-conv'),
      (t) => t.length === 1 && t[0].stories.some((s) => s.text.includes('B: injected into A?')),
      30000,
      "bot B's task and comment",
    );
    expect(taskB.name).toBe('mallory (Acme): B: first words');
    // B's later message is a reply under B's root, never under A's.
    const replies = await eventually(
      async () => (await slackMessages()).filter((m) => m.text.includes('B: injected into A?')),
      (m) => m.length === 1,
      30000,
      "B's thread reply",
    );
    expect(replies[0].thread_ts).toBe(rootB.ts);

    const messagesNow = await slackMessages();
    expect(messagesNow.filter((m) => m.thread_ts === rootA.ts)).toEqual([]);
    expect(
      (await tasksOf('bot-a:shared-conv')).map((t) => ({
        name: t.name,
        fromB: t.stories.filter((s) => s.text.includes('B:')),
      })),
    ).toEqual([{ name: 'ann (Acme): A: I want a refund', fromB: [] }]);
  });

  it("lets bot B's key read only `bot` for bot A's conversation while an operator holds it", async () => {
    await post(KEY_A, { event_id: 'a-10', conversation_id: 'held-conv', ...user('ann'), text: 'A: a human please' });
    await post(KEY_B, { event_id: 'b-10', conversation_id: 'held-conv', ...user('mallory'), text: 'B: same id' });
    await eventually(
      () => rootsOf('bot-a:held-conv'),
      (m) => m.length === 1,
      30000,
      "bot A's root",
    );
    // An operator takes A's conversation over with a signed Slack click.
    const payload = {
      type: 'block_actions',
      user: { id: 'U0OLIVIA', username: 'olivia', name: 'olivia', team_id: 'T0SANDBOX' },
      actions: [
        {
          action_id: 'sb_takeover',
          block_id: 'sb_conv_actions',
          value: 'bot-a:held-conv',
          type: 'button',
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    expect((await postSigned('/slack/interactions', body, 'application/x-www-form-urlencoded')).status).toBe(200);

    expect(await control(KEY_A, 'held-conv')).toMatchObject({ conversationId: 'held-conv', control: 'human' });
    expect(await control(KEY_B, 'held-conv')).toEqual({ conversationId: 'held-conv', control: 'bot' });
    // The same through ingress's reply: A is told to stay silent, B is not told anything about A.
    expect(
      (await post(KEY_A, { event_id: 'a-11', conversation_id: 'held-conv', ...user('ann'), text: 'A: hello?' }))
        .control,
    ).toBe('human');
    expect(
      (await post(KEY_B, { event_id: 'b-11', conversation_id: 'held-conv', ...user('mallory'), text: 'B: hello?' }))
        .control,
    ).toBe('bot');
    // A's scoped id typed into B's key is just another of B's ids, not A's conversation.
    expect(await control(KEY_B, 'bot-a:held-conv')).toEqual({ conversationId: 'bot-a:held-conv', control: 'bot' });
  });

  it("delivers an operator message in bot A's conversation to the webhook with A's own conversation id", async () => {
    await post(KEY_A, {
      event_id: 'a-20',
      conversation_id: 'reply-conv',
      ...user('ann'),
      text: 'A: my order never came',
    });
    await post(KEY_B, {
      event_id: 'b-20',
      conversation_id: 'reply-conv',
      ...user('mallory'),
      text: 'B: same id again',
    });
    const [rootA] = await eventually(
      () => rootsOf('bot-a:reply-conv'),
      (m) => m.length === 1,
      30000,
      "bot A's root",
    );
    const reply = JSON.stringify({
      type: 'event_callback',
      event_id: 'EvScope0001',
      team_id: 'T0SANDBOX',
      event: {
        type: 'message',
        channel: rootA.channel_id,
        user: 'U0OLIVIA',
        text: 'Hi Ann, Olivia here',
        ts: `${Date.now() / 1000}`,
        thread_ts: rootA.ts,
        channel_type: 'channel',
      },
    });
    expect((await postSigned('/slack/events', reply, 'application/json')).status).toBe(200);
    const delivered = await eventually(
      async () => webhook.received.filter((m) => m.text === 'Hi Ann, Olivia here'),
      (m) => m.length === 1,
      30000,
      'the webhook to receive the reply',
    );
    expect(delivered[0]).toMatchObject({
      type: 'operator_message',
      botId: 'bot-a',
      conversationId: 'reply-conv',
      operator: { source: 'slack' },
    });
    // Only A's conversation was taken over by the reply.
    expect((await control(KEY_A, 'reply-conv')).control).toBe('human');
    expect((await control(KEY_B, 'reply-conv')).control).toBe('bot');
  });
});
