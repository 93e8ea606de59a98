// The delivery claims of DESIGN.md, tried hard: a steady stream of events through the whole system
// (real Kafka, real Redis, the five services as processes, the sandbox) while, one after another, each
// consumer service is killed with SIGKILL and restarted, Kafka and Redis are restarted, Slack and Asana
// answer 429 and 500 for a while, and poison messages land on the topics. Then: every accepted event is in
// its conversation's transcript exactly once, each conversation has exactly one Slack root (or digest
// line) and one Asana task, the poison is in the DLQs and `switchboard dlq replay` re-drives it, and every
// service was ready again within the bound it reports.
import { startSandbox } from '@switchboard/sandbox';
import { createLogger, scopeId } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka } from '@switchboard/bus';
import { createRedis, connectRedis } from '@switchboard/store';
import { statusKeys } from '../../services/status/src/status-keys';
import { listDeadLetters, replayDeadLetters } from '@switchboard/cli';
import { TestSystem, eventually, freePort, type ServiceName } from '../support/services';
import { OwnKafka, OwnRedis } from '../support/infra';
import { EventDriver } from './driver';
import { testKafkaClient } from '../support/kafka-client';

const API_KEY = 'faults-key-0123456789abcdef';
const CONVERSATIONS = 24;
const CONSUMERS: ServiceName[] = ['classifier', 'notifier', 'ticketer', 'status'];
// Locally about 30 s (Kafka's session timeout for the killed member); CI machines are slower and shared.
const READY_BOUND_MS = 150000;
const quiet = createLogger({ service: 'faults', level: 'silent' });

jest.setTimeout(15 * 60 * 1000);

describe('the pipeline under faults', () => {
  let kafka: OwnKafka;
  let redis: OwnRedis;
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;
  let driver: EventDriver;
  const readyAfterMs: Record<string, number[]> = {};

  beforeAll(async () => {
    kafka = await OwnKafka.startOnFreePorts();
    redis = new OwnRedis(await freePort());
    await redis.start();
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    system = new TestSystem({
      KAFKA_BROKERS: kafka.brokers,
      REDIS_URL: redis.url,
      SLACK_BOT_TOKEN: 'xoxb-faults',
      SLACK_API_URL: sandbox.slackApiUrl,
      SLACK_SIGNING_SECRET: 'faults-signing-secret',
      ASANA_TOKEN: 'asana-faults',
      ASANA_BASE_URL: sandbox.asanaBaseUrl,
      ASANA_PROJECT_GID: '1200000000000001',
      ASANA_WORKSPACE_GID: '1100000000000001',
      INGRESS_API_KEYS: `faults-bot:${API_KEY}`,
      INGRESS_RATE_PER_SECOND: '0',
      CONSOLE_BASE_URL: 'http://console.test/',
      LOG_LEVEL: 'warn',
    });
    for (const name of ['ingress', ...CONSUMERS] as ServiceName[]) await system.start(name);
    driver = new EventDriver(system.url('ingress', '/v1/events'), API_KEY, CONVERSATIONS);
  });

  afterAll(async () => {
    driver?.stop();
    await system?.stopAll();
    await sandbox?.close();
    await redis?.remove();
    kafka?.remove();
  });

  async function restarted(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await system.stop(name, signal);
    const started = Date.now();
    await system.start(name);
    (readyAfterMs[name] ??= []).push(Date.now() - started);
  }

  /** Waits until every running service answers /readyz, and records how long that took. */
  async function allReady(label: string): Promise<void> {
    const started = Date.now();
    for (const [name, service] of system.services) {
      const probe = async () => {
        const res = await fetch(system.url(name, '/readyz')).catch(() => null);
        return { status: res?.status ?? 0, body: res ? await res.text() : 'no answer' };
      };
      await eventually(probe, (r) => r.status === 200, READY_BOUND_MS, `${name} ready after ${label}`).catch(
        (err: Error) => {
          throw new Error(`${err.message}\n${name}'s last log lines:\n${service.output.slice(-40).join('\n')}`);
        },
      );
    }
    (readyAfterMs[label] ??= []).push(Date.now() - started);
  }

  it('loses nothing and duplicates nothing', async () => {
    driver.start(20);
    await driver.waitAccepted(100);

    for (const name of CONSUMERS) {
      await restarted(name);
      await driver.waitAccepted(driver.accepted.size + 40);
    }

    kafka.stop();
    await new Promise((r) => setTimeout(r, 3000));
    kafka.start();
    await allReady('kafka restart');
    await driver.waitAccepted(driver.accepted.size + 40);

    await redis.stop('SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    await redis.start();
    await allReady('redis restart');
    await driver.waitAccepted(driver.accepted.size + 40);

    for (const status of [429, 500]) {
      await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ target: 'both', status, seconds: 5, retryAfter: 1 }),
      });
      await driver.waitAccepted(driver.accepted.size + 60);
    }

    const names = new TopicNames(system.env.KAFKA_TOPIC_PREFIX);
    const client = createKafka({
      client: testKafkaClient,
      brokers: [kafka.brokers],
      clientId: 'faults-poison',
      logger: quiet,
    });
    const poisoner = new Publisher(client, names);
    await poisoner.connect();
    await poisoner.publishRaw(names.name(Topics.raw), [{ key: 'poison-1', value: Buffer.from([0xff, 0xfe, 0x00]) }]);
    await poisoner.publishRaw(names.name(Topics.classified), [{ key: 'poison-2', value: Buffer.from('garbage') }]);
    await poisoner.disconnect();

    await driver.waitAccepted(driver.accepted.size + 40);
    driver.stop();

    // Every accepted event (every 202) reaches its transcript exactly once: no 2xx for an event not persisted.
    const store = createRedis(redis.url, quiet);
    await connectRedis(store, quiet);
    const keys = statusKeys(system.env.REDIS_KEY_PREFIX);
    // Past ingress, ids are scoped by the bot (its API key's name).
    const own = (id: string) => scopeId('faults-bot', id);
    const transcripts = async () => {
      const out = new Map<string, string[]>();
      for (const conversation of driver.conversations()) {
        out.set(
          conversation,
          (await store.lrange(keys.transcript(own(conversation)), 0, -1)).map(
            (line) => (JSON.parse(line) as { eventId: string }).eventId,
          ),
        );
      }
      return out;
    };
    const complete = (t: Map<string, string[]>) =>
      [...driver.accepted].every((id) => t.get(driver.conversationOf(id))?.includes(own(id)));
    const final = await eventually(transcripts, complete, 180000, 'every accepted event in its transcript');
    const accepted = new Set([...driver.accepted].map(own));
    for (const [conversation, ids] of final) {
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => accepted.has(id)).sort()).toEqual(driver.acceptedOf(conversation).map(own).sort());
    }
    store.disconnect();

    // Exactly one root (or digest line) per conversation in Slack, one task per conversation in Asana.
    const settled = async () => {
      const messages = (await (await fetch(`${sandbox.url}/_sandbox/slack/messages`)).json()) as {
        thread_ts?: string;
        text: string;
        blocks?: unknown;
      }[];
      const tasks = (await (await fetch(`${sandbox.url}/_sandbox/asana/tasks`)).json()) as { notes: string }[];
      return { tops: messages.filter((m) => !m.thread_ts).map((m) => JSON.stringify(m)), tasks };
    };
    const mention = (haystack: string[], conversation: string) =>
      haystack.filter((s) => new RegExp(`conversations/${encodeURIComponent(own(conversation))}(?![\\w-])`).test(s))
        .length;
    const { tops, tasks } = await eventually(
      settled,
      (s) =>
        driver.conversations().every(
          (c) =>
            mention(s.tops, c) >= 1 &&
            mention(
              s.tasks.map((t) => t.notes),
              c,
            ) >= 1,
        ),
      120000,
      'a root and a task for every conversation',
    );
    for (const conversation of driver.conversations()) {
      expect({ conversation, roots: mention(tops, conversation) }).toEqual({ conversation, roots: 1 });
      expect({
        conversation,
        tasks: mention(
          tasks.map((t) => t.notes),
          conversation,
        ),
      }).toEqual({ conversation, tasks: 1 });
    }

    // The poison is dead-lettered by every consumer of its topic, and can be re-driven.
    // Each of the three consumers of conv.classified dead-letters poison-2 when it reaches it.
    const rawDlq = await eventually(
      () => listDeadLetters(client, names.name(Topics.raw)),
      (l) => l.some((x) => x.key === 'poison-1'),
      120000,
      'poison-1 in conv.raw.dlq',
    );
    const classifiedDlq = await eventually(
      () => listDeadLetters(client, names.name(Topics.classified)),
      (l) => l.filter((x) => x.key === 'poison-2').length >= 3,
      120000,
      'poison-2 dead-lettered by notifier, ticketer and status',
    );
    expect(rawDlq.filter((l) => l.key === 'poison-1').map((l) => l.reason)).toEqual(['undecodable']);
    expect(new Set(classifiedDlq.filter((l) => l.key === 'poison-2').map((l) => l.reason))).toEqual(
      new Set(['undecodable']),
    );
    const replay = await replayDeadLetters(client, names.name(Topics.raw), { groupId: 'faults-replay' });
    expect(replay.replayed).toBe(rawDlq.length);

    // How long each service took to be ready again (each wait above fails past READY_BOUND_MS).
    console.log(
      `ready again after (ms): ${JSON.stringify(readyAfterMs)}; bound ${READY_BOUND_MS} ms; ingress answered 503 or was unreachable ${driver.unavailable} times`,
    );
  });
});
