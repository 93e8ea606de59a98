// Reminders and escalation exactly once across a Kafka restart and a Redis restart (with its append-only
// file, as compose and the chart run it: a restart, not a data loss), on a broker and a Redis of the test's
// own, while clocks are running: each (conversation, clock, cycle, level, repeat) gives one Slack message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { TopicNames, Topics } from '@switchboard/bus';
import { createLogger, scopeId } from '@switchboard/core';
import { startSandbox } from '@switchboard/sandbox';
import { connectRedis, createRedis } from '@switchboard/store';
import { slaKeys } from '../../services/status/src/sla/clock-store';
import { statusKeys } from '../../services/status/src/status-keys';
import { OwnKafka, OwnRedis } from '../support/infra';
import { postSignedClick } from '../support/slack';
import { TestSystem, eventually, freePort, type ServiceName } from '../support/services';

const API_KEY = 'sla-restart-key-0123456789abcdef';
const BOT = 'sla-restart-bot';
const SIGNING_SECRET = 'sla-restart-slack-signing-secret';
const READY_BOUND_MS = 150000;
const quiet = createLogger({ service: 'sla-restarts', level: 'silent' });

jest.setTimeout(10 * 60 * 1000);

interface SandboxMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** Every level of the policy below, as the thread shows them, in order. */
const THREAD_TITLES = [
  'Review deadline passed',
  'Review escalation, level 1',
  'Review escalation, level 2',
  'Review escalation, level 3',
];

describe('SLA reminders across Kafka and Redis restarts', () => {
  let kafka: OwnKafka;
  let ownRedis: OwnRedis;
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;
  let replica: TestSystem;
  let redis: ReturnType<typeof createRedis>;

  beforeAll(async () => {
    kafka = await OwnKafka.startOnFreePorts();
    ownRedis = new OwnRedis(await freePort());
    await ownRedis.start();
    redis = createRedis(ownRedis.url, quiet);
    await connectRedis(redis, quiet);
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    const policyFile = join(mkdtempSync(join(tmpdir(), 'sla-restarts-')), 'sla.yaml');
    // Levels spread over half a minute, so some fall due while Kafka or Redis is down or coming back.
    writeFileSync(
      policyFile,
      `policies:
  - name: restarts
    review_within: 2s
    escalate:
      - after: 2s
        mention: ["<!subteam^S0RESTART>"]
      - after: 12s
        channel: "#sla-restart-leads"
      - after: 25s
        mention: ["<@U0RESTART>"]
`,
    );
    system = new TestSystem({
      KAFKA_BROKERS: kafka.brokers,
      REDIS_URL: ownRedis.url,
      SLACK_BOT_TOKEN: 'xoxb-sla-restarts',
      SLACK_API_URL: sandbox.slackApiUrl,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_TRIAGE_CHANNEL: '#triage-sla-restarts',
      INGRESS_API_KEYS: `${BOT}:${API_KEY}`,
      INGRESS_RATE_PER_SECOND: '0',
      CONSOLE_BASE_URL: 'http://console.test/',
      NOTIFIER_DIGEST_AFTER_MS: '60000',
      SLA_POLICY_FILE: policyFile,
      SLA_CLAIM_LEASE_SECONDS: '2',
      LOG_LEVEL: 'warn',
    });
    // Two sweeping replicas, as in production.
    replica = new TestSystem({ ...system.env });
    for (const name of ['ingress', 'classifier', 'notifier', 'status'] as ServiceName[]) await system.start(name);
    await replica.start('status');
  });

  afterAll(async () => {
    await replica?.stopAll();
    await system?.stopAll();
    await sandbox?.close();
    redis?.disconnect();
    await ownRedis?.remove();
    kafka?.remove();
  });

  const say = async (conversationId: string, text: string) => {
    const res = await fetch(system.url('ingress', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({
        conversation_id: conversationId,
        user: { id: 'u1', name: 'Uma' },
        team: { id: 't-restarts', name: 'Restarts' },
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
      60000,
      `the Slack root of ${conversationId}`,
    ) as Promise<SandboxMessage>;
  const slaPostsOf = async (root: SandboxMessage) => {
    const isSla = (m: SandboxMessage) => m.metadata?.event_type === 'switchboard_sla';
    return {
      thread: (await messages()).filter((m) => isSla(m) && m.thread_ts === root.ts),
      leads: (await messages('#sla-restart-leads')).filter(
        (m) => isSla(m) && m.text.includes(`p${root.ts.replace('.', '')}`),
      ),
    };
  };
  const keys = () => slaKeys(statusKeys(system.env.REDIS_KEY_PREFIX));
  const clockStarted = (conversationId: string) =>
    eventually(
      () => redis.hget(keys().clock(scopeId(BOT, conversationId), 'review'), 'state'),
      Boolean,
      60000,
      `the review clock of ${conversationId}`,
    );

  /** Waits until every running service (both status replicas too) answers /readyz. */
  async function allReady(label: string): Promise<void> {
    for (const sys of [system, replica])
      for (const [name, service] of sys.services) {
        const probe = async () => (await fetch(sys.url(name, '/readyz')).catch(() => null))?.status ?? 0;
        await eventually(probe, (status) => status === 200, READY_BOUND_MS, `${name} ready after ${label}`).catch(
          (err: Error) => {
            throw new Error(`${err.message}\n${name}'s last log lines:\n${service.output.slice(-40).join('\n')}`);
          },
        );
      }
  }

  /**
   * Everything the status service published has been handled by the notifier's SLA consumer: its group's
   * committed offsets reach the end of conv.status on every partition. After this, no reminder is on its way.
   */
  async function notifierCaughtUp(): Promise<void> {
    const admin = new Kafka({ brokers: [kafka.brokers], clientId: 'sla-restarts', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const topic = new TopicNames(system.env.KAFKA_TOPIC_PREFIX).name(Topics.status);
      const lag = async () => {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({
          groupId: `${system.env.NOTIFIER_GROUP_ID}-sla`,
          topics: [topic],
        });
        return ends.reduce((sum, end) => {
          const at = committed.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          return sum + Number(end.offset) - Math.max(0, Number(at));
        }, 0);
      };
      await eventually(lag, (behind) => behind === 0, 120000, "the notifier's SLA consumer caught up");
    } finally {
      await admin.disconnect();
    }
  }

  async function clickReviewed(conversationId: string) {
    const res = await postSignedClick({
      url: system.url('status', '/slack/interactions'),
      signingSecret: SIGNING_SECRET,
      actionId: SLACK_ACTION_IDS.reviewed,
      value: scopeId(BOT, conversationId),
    });
    expect(res.status).toBe(200);
  }

  it('sends each level once per conversation, clocks running through both restarts', async () => {
    // conv-a breached before the restarts; conv-b's clock runs into the Kafka restart; conv-c's into Redis's.
    await say('conv-a', 'where is my parcel?');
    const rootA = await rootOf('conv-a');
    await eventually(
      async () => (await slaPostsOf(rootA)).thread,
      (thread) => thread.length >= 1,
      60000,
      'the breach of conv-a',
    );
    await say('conv-b', 'hello?');
    await clockStarted('conv-b');

    kafka.stop();
    await new Promise((r) => setTimeout(r, 3000));
    kafka.start();
    await allReady('the Kafka restart');

    await say('conv-c', 'still nobody?');
    await clockStarted('conv-c');
    // SIGKILL: with appendfsync always (as OwnRedis runs it) every acknowledged write is in the AOF.
    await ownRedis.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    await ownRedis.start();
    await allReady('the Redis restart');

    const conversations = ['conv-a', 'conv-b', 'conv-c'];
    for (const conversationId of conversations) {
      const id = scopeId(BOT, conversationId);
      // Every step of the clock has been published: nothing left in the sweep's due set.
      await eventually(
        async () => ({
          due: await redis.zscore(keys().due(), `review:${id}`),
          state: await redis.hget(keys().clock(id, 'review'), 'state'),
        }),
        (clock) => clock.due === null && clock.state !== null,
        180000,
        `every step of ${conversationId} published`,
      );
      // Reviewed stops the clock: SLA_DEADLINE (stopped) follows every step on the conversation's partition.
      await clickReviewed(conversationId);
      await eventually(
        () => redis.hget(keys().clock(id, 'review'), 'state'),
        (state) => state === 'stopped',
        60000,
        `the review clock of ${conversationId} stopped`,
      );
    }
    await notifierCaughtUp();

    for (const conversationId of conversations) {
      const root = await rootOf(conversationId);
      const posts = await slaPostsOf(root);
      const titles = posts.thread.map((m) => /\*([^*]+)\*/.exec(m.text)?.[1]);
      expect({ conversationId, titles }).toEqual({ conversationId, titles: THREAD_TITLES });
      expect(posts.leads).toHaveLength(1);
      expect(posts.leads[0].text).toContain('*Review escalation, level 2*');
    }
    // One root per conversation: the restarts duplicated no post.
    const roots = (await messages()).filter(
      (m) => !m.thread_ts && conversations.some((c) => m.metadata?.event_payload.conversation_id === scopeId(BOT, c)),
    );
    expect(roots).toHaveLength(conversations.length);
  });
});
