// What Runtime wires, on the real Kafka and Redis: the HTTP server with health, readiness and metrics, the
// Redis connection and key prefix, the publisher and a consumer that receives what is published; and
// readiness that goes false when Kafka or Redis cannot be reached (pointed at a closed port).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createServer, type AddressInfo } from 'node:net';
import { Topics } from '@switchboard/bus';
import { create, ClassifiedEventSchema, type ClassifiedEvent } from '@switchboard/proto';
import { readConfig, commonSpec } from '@switchboard/core';
import { Runtime } from '../src';
import { eventually } from '../../../test/support/services';
import { testKafkaClient } from '../../../test/support/kafka-client';

const KAFKA = process.env.KAFKA_BROKERS ?? 'localhost:9092';
const REDIS = process.env.REDIS_URL ?? 'redis://localhost:6379';

function runtimeWith(env: Record<string, string>): Runtime {
  const run = randomUUID().slice(0, 8);
  const config = readConfig(commonSpec, {
    KAFKA_BROKERS: KAFKA,
    REDIS_URL: REDIS,
    KAFKA_CLIENT: testKafkaClient,
    KAFKA_TOPIC_PREFIX: `runtime-${run}.`,
    KAFKA_TOPIC_PARTITIONS: '1',
    REDIS_KEY_PREFIX: `runtime-${run}:`,
    LOG_LEVEL: 'silent',
    ...env,
  });
  return new Runtime({ service: 'runtime-test', config, httpPort: 0, httpHost: '127.0.0.1' });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function get(runtime: Runtime, path: string): Promise<{ status: number; body: string }> {
  await eventuallyListening(runtime);
  const { port } = runtime.http.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

async function eventuallyListening(runtime: Runtime): Promise<void> {
  for (let i = 0; i < 500 && !runtime.http.server.listening; i += 1) await new Promise((r) => setTimeout(r, 20));
}

async function readyz(runtime: Runtime): Promise<{ status: number; checks: Record<string, boolean> }> {
  const { status, body } = await get(runtime, '/readyz');
  return { status, checks: (JSON.parse(body) as { checks: Record<string, boolean> }).checks };
}

describe('Runtime', () => {
  it('wires Redis with its key prefix, the publisher, a consumer, and an HTTP server that is ready', async () => {
    const runtime = runtimeWith({});
    const received: ClassifiedEvent[] = [];
    runtime.consume({
      groupId: `runtime-test-${randomUUID().slice(0, 8)}`,
      topic: Topics.classified,
      handler: async ({ event }) => void received.push(event),
    });
    try {
      await runtime.start();
      // start() waits for the first Kafka probe, but only its 3 s bound: on a loaded broker that probe can time
      // out, and the service is rightly not ready until the next one (5 s later) answers. Seen in CI.
      const ready = await eventually(
        () => readyz(runtime),
        (r) => r.status === 200,
        30000,
        'ready',
      );
      expect(ready).toEqual({ status: 200, checks: { redis: true, kafka: true } });
      expect((await get(runtime, '/healthz')).status).toBe(200);
      expect((await get(runtime, '/metrics')).body).toContain('switchboard_dependency_up');

      await runtime.redis.set(runtime.keys.done('runtime-test', 'e1'), '1', 'EX', 60);
      expect(runtime.keys.done('runtime-test', 'e1')).toMatch(/^runtime-[0-9a-f]{8}:/);
      expect(await runtime.redis.exists(runtime.keys.done('runtime-test', 'e1'))).toBe(1);

      const event = create(ClassifiedEventSchema, {
        message: { eventId: 'e-runtime', conversationId: 'c-runtime', text: 'hello' },
      });
      await runtime.publisher.publish(Topics.classified, [{ key: 'c-runtime', value: event }]);
      const got = await eventually(
        async () => received,
        (r) => r.length > 0,
        60000,
        'the consumer to receive the event',
      );
      expect(got[0].message?.eventId).toBe('e-runtime');
    } finally {
      await runtime.stop();
    }
  });

  it('stops its consumers together: one still finishing its batch does not keep the others in their groups', async () => {
    const runtime = runtimeWith({});
    const run = randomUUID().slice(0, 8);
    const busyGroup = `runtime-busy-${run}`;
    const idleGroup = `runtime-idle-${run}`;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let inHand = false;
    let finished = false;
    runtime.consume({
      groupId: busyGroup,
      topic: Topics.classified,
      handler: async () => {
        inHand = true;
        await released;
        finished = true;
      },
    });
    runtime.consume({ groupId: idleGroup, topic: Topics.status, handler: async () => undefined });
    const admin = new Kafka({ clientId: 'runtime-test-admin', brokers: [KAFKA], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const members = async (groupId: string) => (await admin.describeGroups([groupId])).groups[0]?.members.length ?? 0;
    let stopped: Promise<void> | undefined;
    try {
      await runtime.start();
      await eventually(
        () => members(idleGroup),
        (n) => n === 1,
        60000,
        'the idle consumer in its group',
      );
      const event = create(ClassifiedEventSchema, { message: { eventId: 'e-busy', conversationId: 'c-busy' } });
      await runtime.publisher.publish(Topics.classified, [{ key: 'c-busy', value: event }]);
      await eventually(async () => inHand, Boolean, 60000, 'the busy consumer to hold its event');

      stopped = runtime.stop();
      // One after another, the idle consumer would wait for the busy one's batch: it leaves its group while the
      // busy one still holds its event.
      await eventually(
        () => members(idleGroup),
        (n) => n === 0,
        60000,
        'the idle consumer to leave its group',
      );
      expect(finished).toBe(false);
      release();
      await stopped;
      expect(finished).toBe(true);
    } finally {
      release();
      await (stopped ?? runtime.stop());
      await admin.disconnect();
    }
  }, 120000);

  it('is not ready while Redis cannot be reached, and says which dependency is missing', async () => {
    const runtime = runtimeWith({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    const starting = runtime.start().catch(() => undefined);
    try {
      const { status, checks } = await readyz(runtime);
      expect(status).toBe(503);
      expect(checks.redis).toBe(false);
      expect((await get(runtime, '/healthz')).status).toBe(200);
    } finally {
      await runtime.stop();
      await starting; // stop() also ends the wait for Redis
    }
  });

  it('is not ready while Kafka cannot be reached', async () => {
    const runtime = runtimeWith({ KAFKA_BROKERS: `127.0.0.1:${await closedPort()}` });
    const starting = runtime.start().catch(() => undefined);
    try {
      await eventually(
        () => Promise.resolve(runtime.redis.status),
        (s) => s === 'ready',
        60000,
        'Redis to connect',
      );
      const { status, checks } = await readyz(runtime);
      expect(status).toBe(503);
      expect(checks).toEqual({ redis: true, kafka: false });
    } finally {
      await runtime.stop();
      await starting; // kafkajs gives up its connection retries only after about a minute
    }
  }, 180000);
});
