// The Kafka and Redis the tests get (test/setup/global-setup.ts) work with the clients the services use:
// kafkajs 2.2.4 against Kafka 4.1 (which dropped many old protocol versions) and ioredis.
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import Redis from 'ioredis';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const redisUrl = process.env.REDIS_URL ?? '';

describe('Kafka 4.1 with kafkajs 2.2.4', () => {
  const run = randomUUID().slice(0, 8);
  const topic = `infra-compat-${run}`;
  const groupId = `infra-compat-${run}`;
  const kafka = new Kafka({ clientId: `infra-compat-${run}`, brokers, logLevel: logLevel.NOTHING });
  let admin: Admin;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    expect(brokers.length).toBeGreaterThan(0);
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic with 12 partitions, produces idempotently with acks=all, consumes in a group and commits', async () => {
    // Topic: explicit creation (auto-creation is off), 12 partitions.
    await expect(
      admin.createTopics({ topics: [{ topic, numPartitions: 12, replicationFactor: 1 }], waitForLeaders: true }),
    ).resolves.toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0].partitions).toHaveLength(12);

    // Producer: idempotent (InitProducerId + sequence numbers), acks=-1; 20 conversations × 3 messages.
    producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const sent = Array.from({ length: 60 }, (_, i) => ({
      key: `conv-${i % 20}`,
      value: JSON.stringify({ conversation: `conv-${i % 20}`, seq: Math.floor(i / 20) }),
    }));
    const acks = await producer.send({ topic, acks: -1, messages: sent });
    expect(acks.length).toBeGreaterThan(1); // keys spread over several partitions
    for (const ack of acks) expect(ack.errorCode).toBe(0);

    // Consumer group: commit each offset after "handling" the message, as the services do.
    consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; conversation: string; seq: number; partition: number }[] = [];
    const all = new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`received ${received.length} of ${sent.length} messages`)),
        45_000,
      );
      consumer!
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            // No assertions in here (kafkajs would retry a throwing handler): record, check afterwards.
            const body = JSON.parse(message.value!.toString()) as { conversation: string; seq: number };
            await consumer!.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
            received.push({ key: message.key!.toString(), conversation: body.conversation, seq: body.seq, partition });
            if (received.length === sent.length) {
              clearTimeout(deadline);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await all;

    // Everything arrived once; one conversation stays on one partition, in order.
    expect(received).toHaveLength(sent.length);
    for (const r of received) expect(r.key).toBe(r.conversation);
    expect(new Set(received.map((r) => `${r.key}/${r.seq}`)).size).toBe(sent.length);
    const byKey = new Map<string, typeof received>();
    for (const r of received) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    expect(byKey.size).toBe(20);
    for (const messages of byKey.values()) {
      expect(new Set(messages.map((m) => m.partition)).size).toBe(1);
      expect(messages.map((m) => m.seq)).toEqual([0, 1, 2]);
    }

    // Committed offsets read back through the admin API equal the end of every partition.
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed.topic).toBe(topic);
    expect(committed.partitions).toHaveLength(12);
    for (const end of ends) {
      const mine = committed.partitions.find((p) => p.partition === end.partition)!;
      // A partition that got no message has no committed offset (-1); every other one is committed to its end.
      expect(mine.offset).toBe(end.high === end.low ? '-1' : end.high);
    }
    const total = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
    expect(total).toBe(sent.length);
  });
});

describe('Redis with ioredis', () => {
  let redis: Redis;

  beforeAll(async () => {
    expect(redisUrl).toMatch(/^rediss?:\/\//);
    redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    await redis.connect();
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('SET NX claims a key once; GET reads it back', async () => {
    const key = `infra-compat:${randomUUID()}`;
    await expect(redis.set(key, 'first', 'EX', 60, 'NX')).resolves.toBe('OK');
    await expect(redis.set(key, 'second', 'EX', 60, 'NX')).resolves.toBeNull();
    await expect(redis.get(key)).resolves.toBe('first');
    await expect(redis.ttl(key)).resolves.toBeGreaterThan(0);
    await expect(redis.del(key)).resolves.toBe(1);
  });
});
