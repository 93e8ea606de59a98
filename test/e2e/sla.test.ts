// Deadlines through the whole system (real Kafka and Redis, the services as processes, the sandbox for Slack,
// a local receiver for the escalation webhook), with a policy in seconds: an unreviewed conversation gets its
// reminder, its escalation levels in order (a mention broadcast, a post in another channel linking the thread,
// a signed webhook), each exactly once, and waits in the console's queue; one reviewed in time gets nothing; a
// user writing after an operator's reply gets a reply reminder; with two status replicas, one killed with -9,
// and a claimer that died holding a step, every level still comes exactly once.
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { createLogger, hashPassword, scopeId } from '@switchboard/core';
import { startSandbox } from '@switchboard/sandbox';
import { connectRedis, createRedis } from '@switchboard/store';
import { ClockStore, slaKeys } from '../../services/status/src/sla/clock-store';
import { firstStep, type ClockPlan } from '../../services/status/src/sla/schedule';
import { statusKeys } from '../../services/status/src/status-keys';
import { postSignedClick, signedHeaders } from '../support/slack';
import { TestSystem, eventually } from '../support/services';
import { signInToConsole } from '../support/console';

const API_KEY = 'sla-key-0123456789abcdef';
const BOT = 'sla-bot';
const SIGNING_SECRET = 'sla-test-slack-signing-secret';
const WEBHOOK_SECRET = 'sla-test-webhook-secret-0123';
const PASSWORD = 'correct horse battery staple';

jest.setTimeout(240000);

interface SandboxMessage {
  channel: string;
  channel_id: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  reply_broadcast?: boolean;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

interface Received {
  body: { type: string; eventId: string; conversationId: string; level: number; clock: string };
  verified: boolean;
}

/** The escalation webhook's receiver: checks the signature as a receiver would (v1, HMAC-SHA256). */
function startReceiver(received: Received[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const ts = String(req.headers['x-switchboard-timestamp'] ?? '');
      const expected = `v1=${createHmac('sha256', WEBHOOK_SECRET).update(`v1:${ts}:${raw}`).digest('hex')}`;
      const verified = req.headers['x-switchboard-signature'] === expected;
      received.push({ body: JSON.parse(raw) as Received['body'], verified });
      res.statusCode = verified ? 200 : 401;
      res.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}/hook` });
    }),
  );
}

describe('review deadlines, reminders and escalation', () => {
  const quiet = createLogger({ service: 'sla-e2e', level: 'silent' });
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  const received: Received[] = [];
  let receiver: { server: Server; url: string };
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;
  let replica: TestSystem;

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    receiver = await startReceiver(received);
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    const dir = mkdtempSync(join(tmpdir(), 'sla-e2e-'));
    const policyFile = join(dir, 'sla.yaml');
    // Teams choose the policy: t-fast breaches in seconds; t-calm gives an operator time to click first;
    // t-none has no policy (the test drives its clock itself).
    writeFileSync(
      policyFile,
      `policies:
  - name: fast
    match: { team_id: [t-fast] }
    review_within: 2s
    escalate:
      - after: 1s
        mention: ["<!subteam^S0LEADS>"]
        broadcast: true
      - after: 2s
        channel: "#sla-leads"
      - after: 3s
        webhook: ${receiver.url}
  - name: calm
    match: { team_id: [t-calm] }
    review_within: 20s
  - name: replies
    match: { team_id: [t-reply] }
    review_within: 1h
    reply_within: 2s
`,
    );
    system = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-sla',
      SLACK_API_URL: sandbox.slackApiUrl,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_TRIAGE_CHANNEL: '#triage-sla',
      INGRESS_API_KEYS: `${BOT}:${API_KEY}`,
      INGRESS_RATE_PER_SECOND: '0',
      CONSOLE_BASE_URL: 'http://console.test/',
      CONSOLE_OPERATORS: `olivia:${await hashPassword(PASSWORD, { N: 1024 })}`,
      CONSOLE_SESSION_SECRET: 'a-console-session-secret-of-32-chars-or-more',
      NOTIFIER_DIGEST_AFTER_MS: '60000',
      SLA_POLICY_FILE: policyFile,
      SLA_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SLA_CLAIM_LEASE_SECONDS: '2',
    });
    replica = new TestSystem({ ...system.env });
    await Promise.all((['ingress', 'classifier', 'notifier', 'status'] as const).map((name) => system.start(name)));
    await replica.start('status');
  });

  afterAll(async () => {
    await replica?.stopAll();
    await system?.stopAll();
    await sandbox?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
    redis.disconnect();
  });

  const say = async (conversationId: string, team: string, text: string) => {
    const res = await fetch(system.url('ingress', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({
        conversation_id: conversationId,
        user: { id: 'u1', name: 'Uma' },
        team: { id: team, name: team },
        text,
      }),
    });
    expect(res.status).toBe(202);
  };
  const messages = async (channel?: string) =>
    (await (
      await fetch(`${sandbox.url}/_sandbox/slack/messages${channel ? `?channel=${encodeURIComponent(channel)}` : ''}`)
    ).json()) as SandboxMessage[];
  const rootOf = (conversationId: string) =>
    eventually(
      async () =>
        (await messages()).find(
          (m) => !m.thread_ts && m.metadata?.event_payload.conversation_id === scopeId(BOT, conversationId),
        ),
      Boolean,
      30000,
      `the Slack root of ${conversationId}`,
    ) as Promise<SandboxMessage>;
  /** The SLA posts of a conversation: its thread's reminders, and the posts in #sla-leads naming it. */
  const slaPostsOf = async (root: SandboxMessage) => {
    const isSla = (m: SandboxMessage) => m.metadata?.event_type === 'switchboard_sla';
    return {
      thread: (await messages()).filter((m) => isSla(m) && m.thread_ts === root.ts),
      // The post in #sla-leads links the thread: its permalink carries the root's ts.
      leads: (await messages('#sla-leads')).filter((m) => isSla(m) && m.text.includes(`p${root.ts.replace('.', '')}`)),
    };
  };
  const webhooksOf = (conversationId: string) => received.filter((r) => r.body.conversationId === conversationId);
  const keys = () => slaKeys(statusKeys(system.env.REDIS_KEY_PREFIX));

  async function clickReviewed(conversationId: string) {
    const res = await postSignedClick({
      url: system.url('status', '/slack/interactions'),
      signingSecret: SIGNING_SECRET,
      actionId: SLACK_ACTION_IDS.reviewed,
      value: scopeId(BOT, conversationId),
    });
    expect(res.status).toBe(200);
  }

  /** Waits for every level of the fast policy, then checks each came once. */
  async function expectEveryLevelOnce(conversationId: string) {
    const root = await rootOf(conversationId);
    const [hook] = await eventually(
      async () => webhooksOf(conversationId),
      (found) => found.length >= 1,
      60000,
      `the webhook for ${conversationId}`,
    );
    expect(hook.verified).toBe(true);
    expect(hook.body).toMatchObject({ type: 'sla_breached', clock: 'review', level: 3 });
    // The webhook is the last level: the thread and #sla-leads have everything before it by now (same key, in order).
    const posts = await eventually(
      () => slaPostsOf(root),
      (p) => p.thread.length >= 4 && p.leads.length >= 1,
      60000,
      `the reminders of ${conversationId}`,
    );
    const titles = posts.thread.map((m) => /\*([^*]+)\*/.exec(m.text)?.[1]);
    expect(titles).toEqual([
      'Review deadline passed',
      'Review escalation, level 1',
      'Review escalation, level 2',
      'Review escalation, level 3',
    ]);
    expect(posts.thread[1].text).toContain('<!subteam^S0LEADS>');
    expect(posts.thread[1].reply_broadcast).toBe(true);
    expect(posts.leads).toHaveLength(1);
    expect(posts.leads[0].text).toContain('*Review escalation, level 2*');
    expect(webhooksOf(hook.body.conversationId)).toHaveLength(1);
    return root;
  }

  it('reminds an unreviewed conversation, then escalates: a broadcast mention, a post in another channel, a signed webhook', async () => {
    await say('conv-late', 't-fast', 'where is my refund?');
    await expectEveryLevelOnce('conv-late');
  });

  it("lists a breached conversation in the console's queue, overdue, to signed-in operators only", async () => {
    const statusUrl = (path: string) => (system.services.has('status') ? system : replica).url('status', path);
    expect((await fetch(statusUrl('/console/queue'), { redirect: 'manual' })).status).toBe(303);
    const login = await signInToConsole(statusUrl('/console/login'), {
      login: 'olivia',
      password: PASSWORD,
      next: '/console/queue',
    });
    expect(login.status).toBe(303);
    const cookie = login.cookie!;
    const page = await fetch(statusUrl('/console/queue'), { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain(`href="/console/conversations/${encodeURIComponent(scopeId(BOT, 'conv-late'))}"`);
    expect(html).toMatch(/<tr class="overdue"><td><a [^>]*conv-late[^>]*>Uma \(t-fast\)<\/a><\/td><td>review<\/td>/);
  });

  it('sends nothing for a conversation reviewed in time, while a later one of the same policy breaches', async () => {
    await say('conv-quick', 't-calm', 'a quick question');
    await rootOf('conv-quick');
    await clickReviewed('conv-quick');
    const clock = keys().clock(scopeId(BOT, 'conv-quick'), 'review');
    await eventually(
      () => redis.hget(clock, 'state'),
      (state) => state === 'stopped',
      30000,
      'the review clock stopped',
    );
    // A conversation of the same policy started after it: its breach means conv-quick's deadline has passed too.
    await say('conv-slow', 't-calm', 'nobody answers');
    const slow = await rootOf('conv-slow');
    await eventually(
      async () => (await slaPostsOf(slow)).thread,
      (thread) => thread.length >= 1,
      90000,
      'the breach of conv-slow',
    );
    const quick = await rootOf('conv-quick');
    expect((await slaPostsOf(quick)).thread).toHaveLength(0);
    expect(await redis.zscore(keys().due(), `review:${scopeId(BOT, 'conv-quick')}`)).toBeNull();
  });

  it("starts the reply clock when the user writes after an operator's reply, and reminds once it passes", async () => {
    await say('conv-reply', 't-reply', 'I have a question');
    const root = await rootOf('conv-reply');
    const operatorSays = async (text: string, eventId: string) => {
      const body = JSON.stringify({
        type: 'event_callback',
        event_id: eventId,
        team_id: 'T0SANDBOX',
        event: {
          type: 'message',
          channel: root.channel_id,
          user: 'U0OLIVIA',
          text,
          ts: `${Date.now() / 1000}`,
          thread_ts: root.ts,
          channel_type: 'channel',
        },
      });
      const res = await fetch(system.url('status', '/slack/events'), {
        method: 'POST',
        headers: signedHeaders(SIGNING_SECRET, body, 'application/json'),
        body,
      });
      expect(res.status).toBe(200);
    };
    const clock = keys().clock(scopeId(BOT, 'conv-reply'), 'reply');
    await operatorSays('Hi, Olivia here. Which order?', 'EvSlaReply0001');
    await eventually(() => redis.hget(clock, 'lastReplyMs'), Boolean, 30000, "the operator's reply recorded");
    await say('conv-reply', 't-reply', 'order 1042, it never came');
    const [reminder] = await eventually(
      async () => (await slaPostsOf(root)).thread,
      (thread) => thread.length >= 1,
      60000,
      'the reply reminder',
    );
    expect(reminder.text).toContain('*Reply deadline passed*');
    expect(reminder.text).toContain('waiting for a reply for');
    // The next operator reply stops it; no review reminder came (the first reply took the conversation over).
    await operatorSays('Found it, it ships today.', 'EvSlaReply0002');
    await eventually(
      () => redis.hget(clock, 'state'),
      (state) => state === 'stopped',
      30000,
      'the reply clock stopped',
    );
    expect((await slaPostsOf(root)).thread).toHaveLength(1);
  });

  it('gives every level exactly once with two status replicas, one killed with -9', async () => {
    await say('conv-crash', 't-fast', 'hello? anyone?');
    await eventually(
      () => redis.zscore(keys().due(), `review:${scopeId(BOT, 'conv-crash')}`),
      (score) => score !== null,
      30000,
      'the clock started',
    );
    await system.stop('status', 'SIGKILL');
    await expectEveryLevelOnce('conv-crash');
  });

  it('publishes a step whose claimer died holding it once, after the claim lease', async () => {
    await say('conv-dead-claim', 't-none', 'no policy for this team');
    const root = await rootOf('conv-dead-claim');
    const id = scopeId(BOT, 'conv-dead-claim');
    // A replica that starts this clock, claims its due breach and dies before publishing it.
    const dead = new ClockStore(redis, keys(), 2000, 3600);
    const plan: ClockPlan = { policy: 'dead-claim', withinMs: 1000, escalate: [] };
    const startedMs = Date.now() - 5000;
    await dead.start(id, {
      clock: 'review',
      startedBy: `${id}:test-start`,
      startedMs,
      plan,
      priority: 'normal',
      first: firstStep(plan),
      deadlineMs: startedMs + 1000,
    });
    expect(await dead.claim(`review:${id}`, Date.now())).toMatchObject({ step: { level: 0, repeat: 0 } });
    const posts = await eventually(
      () => slaPostsOf(root),
      (p) => p.thread.length >= 1,
      30000,
      'the breach after the lease',
    );
    expect(posts.thread[0].text).toContain('*Review deadline passed*');
    // Out of the sweep once published: no second one can come.
    await eventually(
      () => redis.zscore(keys().due(), `review:${id}`),
      (score) => score === null,
      30000,
      'the step done',
    );
    expect((await slaPostsOf(root)).thread).toHaveLength(1);
  });
});
