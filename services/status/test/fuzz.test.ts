// Property-based fuzzing of the status service's webhooks (Slack interactions and events, Asana) with
// fast-check, on the real broker and Redis with the sandbox behind the real Slack and Asana clients.
// Every reply is a 2xx or a 4xx with a reason — never a 5xx, never a crash; nothing unsigned or stale is
// acted on; and conv.status holds exactly one event per distinct signed click that was answered 200.
import { createHmac, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, createLogger, createMetrics } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { ConversationRefs, connectRedis, createRedis } from '@switchboard/store';
import { startSandbox } from '@switchboard/sandbox';
import { OperatorActions } from '../src/conversation/actions';
import { AsanaApi } from '../src/asana/asana-client';
import { registerAsanaRoutes } from '../src/asana/asana-routes';
import { AsanaWebhookSecrets } from '../src/asana/asana-webhook-secrets';
import { InboundOnce } from '../src/inbound-once';
import { statusKeys } from '../src/status-keys';
import { ConversationIndex } from '../src/conversation/conversations';
import { Identities } from '../src/operators/identities';
import { OperatorDirectory } from '../src/operators/operators';
import { registerSlackRoutes } from '../src/slack/slack-routes';
import { SlackEphemeral } from '../src/slack/slack-ephemeral';
import { ThreadReplies } from '../src/slack/reply-mode';
import { SlackMembers } from '../src/slack/slack-members';
import { parseAllowedOperators } from '../src/slack/operator-policy';
import { slackSignature } from '../src/signatures';
import { TakeoverStore } from '../src/conversation/takeover';
import { OwnerStore } from '../src/conversation/owner';
import { HandoffStore } from '../src/conversation/handoff';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'fuzz', level: 'silent' });
const SECRET = 'fuzz-slack-signing-secret';
const ASANA_SECRET = 'fuzz-asana-hook-secret';

jest.setTimeout(300000);

const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    null,
    '',
    '\u0000',
    '<script>alert(1)</script>',
    '<!channel>',
    'x'.repeat(5000),
    '__proto__',
    -1,
    1e308,
  ),
);
const actionId = fc.constantFrom(
  'sb_reviewed',
  'sb_spam',
  'sb_not_spam',
  'sb_takeover',
  'sb_handback',
  'sb_unknown',
  '',
);
const click = fc.record({
  type: fc.constantFrom('block_actions', 'block_actions', 'view_submission', 'shortcut'),
  user: fc.oneof(fc.record({ id: fc.constantFrom('U1', 'U2', 'U3'), name: fc.string({ maxLength: 10 }) }), hostile),
  actions: fc.oneof(
    fc.array(
      fc.record({
        action_id: actionId,
        value: fc.oneof(fc.constantFrom('c1', 'c2'), fc.string({ maxLength: 300 })),
        action_ts: fc.constantFrom('1.1', '1.2', '1.3'),
      }),
      { maxLength: 3 },
    ),
    hostile,
  ),
});
const slackBody = fc.oneof(
  { arbitrary: click.map((p) => `payload=${encodeURIComponent(JSON.stringify(p))}`), weight: 5 },
  { arbitrary: hostile.map((v) => `payload=${encodeURIComponent(JSON.stringify(v))}`), weight: 1 },
  { arbitrary: fc.string({ maxLength: 200 }), weight: 1 },
  { arbitrary: fc.constantFrom('payload=%7B', 'payload=', '', 'payload=%00', 'a=1&payload=null'), weight: 1 },
);
const eventBody = fc.oneof(
  fc
    .record({
      type: fc.constantFrom('event_callback', 'url_verification', 'app_rate_limited', 'x'),
      challenge: fc.oneof(fc.string({ maxLength: 20 }), hostile),
      event_id: fc.oneof(fc.string({ maxLength: 20 }), hostile),
      event: fc.oneof(
        fc.record({
          type: fc.constantFrom('message', 'reaction_added'),
          channel: fc.constantFrom('C1', 'C2'),
          user: fc.constantFrom('U1', 'U2'),
          text: fc.string({ maxLength: 50 }),
          ts: fc.constantFrom('2.0', '3.0'),
          thread_ts: fc.constantFrom('1.0', '2.0'),
        }),
        hostile,
      ),
    })
    .map((v) => JSON.stringify(v)),
  hostile.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 100 }),
);
/** How a request is signed: properly, not at all, stale, with another secret, or over other bytes. */
const signing = fc.constantFrom('good', 'good', 'good', 'none', 'stale', 'wrong-secret', 'tampered');

function slackHeaders(how: string, body: string, type: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const at = how === 'stale' ? now - 301 : now;
  const signed =
    how === 'wrong-secret'
      ? slackSignature('not-the-secret', at, body)
      : how === 'tampered'
        ? slackSignature(SECRET, at, `${body} `)
        : slackSignature(SECRET, at, body);
  return how === 'none'
    ? { 'content-type': type }
    : { 'content-type': type, 'x-slack-request-timestamp': String(at), 'x-slack-signature': signed };
}

/** The distinct clicks a well-formed, signed request carries: each is acted on once. */
function clicksIn(body: string): string[] {
  try {
    const payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '') as {
      type?: unknown;
      user?: { id?: unknown };
      actions?: unknown;
    };
    if (
      payload?.type !== 'block_actions' ||
      typeof payload.user?.id !== 'string' ||
      !payload.user.id ||
      !Array.isArray(payload.actions)
    )
      return [];
    const actions = payload.actions as { action_id?: unknown; value?: unknown; action_ts?: unknown }[];
    if (
      actions.some(
        (a) => typeof a?.action_id === 'string' && typeof a.value === 'string' && (!a.value || a.value.length > 256),
      )
    )
      return [];
    return actions
      .filter(
        (a) =>
          typeof a?.action_id === 'string' &&
          ['sb_reviewed', 'sb_spam', 'sb_not_spam', 'sb_takeover', 'sb_handback'].includes(a.action_id) &&
          typeof a.value === 'string',
      )
      .map((a) =>
        JSON.stringify([payload.user!.id, typeof a.action_ts === 'string' ? a.action_ts : '', a.action_id, a.value]),
      );
  } catch {
    return [];
  }
}

describe('status webhooks under fuzzing (real Kafka and Redis, sandbox)', () => {
  const id = randomUUID().slice(0, 8);
  const names = new TopicNames(`fuzz-status-${id}.`);
  const keys = statusKeys(`fuzz-status-${id}:`);
  const kafka = createKafka({ brokers, clientId: 'fuzz-status', logger: quiet });
  const publisher = new Publisher(kafka, names);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let app: FastifyInstance;

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    await ensureTopics(kafka, names, { partitions: 3, replicationFactor: 1 });
    await publisher.connect();
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    const metrics = createMetrics('fuzz-status');
    const conversations = new ConversationIndex(redis, keys, 3600);
    const actions = new OperatorActions({
      publisher,
      takeovers: new TakeoverStore(redis, keys, 60000, 3600),
      handoffs: new HandoffStore(redis, keys, 30000, 3600),
      conversations,
      owners: new OwnerStore(redis, keys, 3600),
      logger: quiet,
    });
    const api = new AsanaApi(
      {
        token: 'asana-fuzz',
        baseUrl: sandbox.asanaBaseUrl,
        workspaceGid: '1100000000000001',
        projectGid: '1200000000000001',
      },
      metrics,
    );
    const identities = new Identities({
      redis,
      keys,
      directory: new OperatorDirectory([]),
      logger: quiet,
      metrics,
      slack: { token: 'xoxb-fuzz', apiUrl: sandbox.slackApiUrl },
      asana: api,
    });
    const refs = new ConversationRefs(redis, keys);
    const once = new InboundOnce(redis, keys, { answerWithinMs: 5000, logger: quiet });
    app = createHttpServer({ logger: quiet, metrics, readiness: () => ({}), bodyLimit: 64 * 1024 });
    const members = new SlackMembers({
      token: 'xoxb-fuzz',
      apiUrl: sandbox.slackApiUrl,
      allowed: parseAllowedOperators([]),
      logger: quiet,
      metrics,
    });
    const ephemeral = new SlackEphemeral({ token: 'xoxb-fuzz', apiUrl: sandbox.slackApiUrl, metrics });
    const threadReplies = new ThreadReplies({ mode: 'send', actions, ephemeral, redis, keys, logger: quiet });
    await registerSlackRoutes(app, {
      signingSecret: SECRET,
      members,
      notePrefix: 'note:',
      actions,
      threadReplies,
      ephemeral,
      identities,
      refs,
      redis,
      keys,
      once,
      logger: quiet,
      metrics,
    });
    const taskChange = { api, actions, identities, conversations, refs, once, logger: quiet, metrics };
    await registerAsanaRoutes(app, {
      configuredSecret: ASANA_SECRET,
      secrets: new AsanaWebhookSecrets(redis, keys),
      taskChange,
      logger: quiet,
      metrics,
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await publisher.disconnect();
    await sandbox?.close();
    redis.disconnect();
  });

  const statuses = new Map<number, number>();
  function answered(code: number, body: string) {
    statuses.set(code, (statuses.get(code) ?? 0) + 1);
    expect(code).toBeLessThan(500);
    if (code >= 400) expect((JSON.parse(body) as { error: string }).error.length).toBeGreaterThan(5);
  }

  it('answers Slack with 2xx or a 4xx that says why, and acts once on each signed click', async () => {
    const clicks = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          slackBody.map((b) => ['/slack/interactions', b] as const),
          eventBody.map((b) => ['/slack/events', b] as const),
        ),
        signing,
        async ([url, body], how) => {
          const type = url === '/slack/events' ? 'application/json' : 'application/x-www-form-urlencoded';
          const res = await app.inject({ method: 'POST', url, headers: slackHeaders(how, body, type), payload: body });
          answered(res.statusCode, res.body);
          if (how !== 'good') expect(res.statusCode).toBe(401);
          if (how === 'good' && res.statusCode === 200 && url === '/slack/interactions')
            for (const c of clicksIn(body)) clicks.add(c);
        },
      ),
      { numRuns: 1500 },
    );
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(names.name(Topics.status));
    await admin.disconnect();
    expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(clicks.size);
    expect(clicks.size).toBeGreaterThan(5);
    expect(statuses.get(401)).toBeGreaterThan(10);
  });

  it('answers Asana deliveries with 2xx or a 4xx, whatever the events say', async () => {
    const asanaEvent = fc.record({
      action: fc.constantFrom('changed', 'added', 'deleted'),
      created_at: fc.constantFrom('2026-11-25T10:00:00.000Z', ''),
      user: fc.oneof(fc.record({ gid: fc.constantFrom('1', '999') }), fc.constant(null)),
      resource: fc.oneof(
        fc.record({
          gid: fc.constantFrom('1200000000000001', '404404', 'x'),
          resource_type: fc.constantFrom('task', 'project', 'story'),
        }),
        hostile,
      ),
      change: fc.oneof(fc.record({ field: fc.constantFrom('completed', 'name') }), fc.constant(null), hostile),
    });
    const body = fc.oneof(
      fc.record({ events: fc.oneof(fc.array(asanaEvent, { maxLength: 4 }), hostile) }).map((v) => JSON.stringify(v)),
      hostile.map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 50 }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('good', 'good', 'none', 'wrong'), async (payload, how) => {
        const signature = createHmac('sha256', how === 'wrong' ? 'other' : ASANA_SECRET)
          .update(payload)
          .digest('hex');
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          ...(how === 'none' ? {} : { 'x-hook-signature': signature }),
        };
        const res = await app.inject({ method: 'POST', url: '/asana/webhook', headers, payload });
        answered(res.statusCode, res.body);
        if (how !== 'good') expect(res.statusCode).toBe(401);
      }),
      { numRuns: 400 },
    );
  });
});
