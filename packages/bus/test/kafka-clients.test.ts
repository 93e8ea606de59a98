// Both client libraries behind the Publisher against a real broker: a key lands on the same partition
// whichever produced it (so KAFKA_CLIENT can change on a running system), and raw publishes keep headers.
import { randomUUID } from 'node:crypto';
import { create, MessageEventSchema, StatusEventSchema } from '@switchboard/proto';
import { createLogger } from '@switchboard/core';
import { AuthenticationError, ResponseError } from '@platformatic/kafka';
import {
  Publisher,
  TopicNames,
  Topics,
  createKafka,
  describeError,
  ensureTopics,
  platformaticSecurityOptions,
} from '../src';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'test', level: 'silent' });

describe('the Kafka client libraries (real Kafka)', () => {
  const names = new TopicNames(`clients-${randomUUID().slice(0, 8)}.`);
  const kafkajs = createKafka({ brokers, clientId: 'clients-kafkajs', logger: quiet, client: 'kafkajs' });
  const platformatic = createKafka({ brokers, clientId: 'clients-plt', logger: quiet, client: 'platformatic' });
  const publishers = { kafkajs: new Publisher(kafkajs, names), platformatic: new Publisher(platformatic, names) };

  beforeAll(async () => {
    await ensureTopics(kafkajs, names, { partitions: 7, replicationFactor: 1 });
    await Promise.all(Object.values(publishers).map((p) => p.connect()));
  });
  afterAll(() => Promise.all(Object.values(publishers).map((p) => p.disconnect())));

  /** Every message of the topic as (producer header, key, partition, headers). */
  async function readAll(topic: string, count: number) {
    const consumer = kafkajs.consumer({ groupId: `reader-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const seen: { key: string; partition: number; headers: Record<string, unknown> }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          seen.push({ key: String(message.key), partition, headers: message.headers ?? {} });
          if (seen.length === count) resolve();
        },
      });
    });
    await consumer.disconnect();
    return seen;
  }

  it('puts a conversation on the same partition whichever client produced it', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `bot-a:conversation-${i}-${'é'.repeat(i % 3)}`);
    for (const [client, publisher] of Object.entries(publishers))
      await publisher.publish(
        Topics.raw,
        keys.map((key) => ({
          key,
          value: create(MessageEventSchema, { eventId: `${client}-${key}`, conversationId: key }),
          headers: { client },
        })),
      );
    const seen = await readAll(names.name(Topics.raw), keys.length * 2);
    const partitionOf = (client: string) =>
      new Map(seen.filter((m) => String(m.headers.client) === client).map((m) => [m.key, m.partition]));
    const byKafkajs = partitionOf('kafkajs');
    const byPlatformatic = partitionOf('platformatic');
    expect(byKafkajs.size).toBe(keys.length);
    expect(byPlatformatic).toEqual(byKafkajs);
    // Spread over the partitions, not all on one.
    expect(new Set(byKafkajs.values()).size).toBeGreaterThan(3);
  });

  it.each(['kafkajs', 'platformatic'] as const)(
    'acknowledges many concurrent publishes over every partition with %s (group commit)',
    async (client) => {
      const topicNames = new TopicNames(`clients-${client}-${randomUUID().slice(0, 8)}.`);
      await ensureTopics(kafkajs, topicNames, { partitions: 7, replicationFactor: 1 });
      const publisher = new Publisher(client === 'kafkajs' ? kafkajs : platformatic, topicNames);
      await publisher.connect();
      await Promise.all(
        Array.from({ length: 64 }, (_, c) =>
          publisher.publish(
            Topics.status,
            Array.from({ length: 5 }, (_, i) => ({
              key: `conversation-${c * 5 + i}`,
              value: create(StatusEventSchema, { eventId: `${c}-${i}`, conversationId: `conversation-${c * 5 + i}` }),
            })),
          ),
        ),
      );
      await publisher.disconnect();
      const seen = await readAll(topicNames.name(Topics.status), 320);
      expect(new Set(seen.map((m) => m.key)).size).toBe(320);
    },
  );

  it('publishes raw bytes with their headers, a repeated header keeping every value', async () => {
    const topic = names.dlq(Topics.raw);
    await publishers.platformatic.publishRaw(topic, [
      { key: 'k', value: Buffer.from('original bytes'), headers: { 'x-reason': 'undecodable', multi: ['a', 'b'] } },
    ]);
    const [message] = await readAll(topic, 1);
    expect(String(message.headers['x-reason'])).toBe('undecodable');
    expect((message.headers.multi as Buffer[]).map(String)).toEqual(['a', 'b']);
  });

  it('maps TLS and SASL settings to @platformatic/kafka options', () => {
    const options = platformaticSecurityOptions({
      tls: { ca: 'CA PEM', rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'svc', password: 'secret' },
    });
    expect(options).toEqual({
      tls: { rejectUnauthorized: true, ca: ['CA PEM'] },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'svc', password: 'secret' },
    });
    expect(platformaticSecurityOptions(undefined)).toEqual({});
  });

  it("says why @platformatic/kafka failed in one line, the broker's own reason included", () => {
    const refused = new AuthenticationError('SASL authentication failed.', {
      cause: new ResponseError(36, 2, { '/': [58, 'Authentication failed due to invalid credentials'] }, {}),
    });
    expect(describeError(refused)).toBe(
      'SASL authentication failed.; Authentication failed due to invalid credentials',
    );
  });
});
