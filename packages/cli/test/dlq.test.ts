// `switchboard dlq list / replay` against a real Kafka: a poison message dead-lettered by a real consumer
// is listed with its reason, replayed to its original topic once, and not again.
import { randomUUID } from 'node:crypto';
import { createLogger, createMetrics } from '@switchboard/core';
import { BusConsumer, Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { listDeadLetters, replayDeadLetters, originalHeaders } from '../src/dlq';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'test', level: 'silent' });

describe('dlq list and replay', () => {
  const names = new TopicNames(`cli-${randomUUID().slice(0, 8)}.`);
  const kafka = createKafka({ brokers, clientId: 'cli-test', logger: quiet });
  const publisher = new Publisher(kafka, names);
  const raw = names.name(Topics.raw);

  beforeAll(async () => {
    await ensureTopics(kafka, names, { partitions: 2, replicationFactor: 1 });
    await publisher.connect();
  });
  afterAll(() => publisher.disconnect());

  it('lists a dead letter with its reason and replays it to its topic exactly once', async () => {
    const consumer = new BusConsumer({
      kafka,
      names,
      groupId: `g-${randomUUID()}`,
      topic: Topics.raw,
      publisher,
      logger: quiet,
      metrics: createMetrics('cli-test'),
      handler: async () => undefined,
    });
    await consumer.start();
    await publisher.publishRaw(raw, [{ key: 'conv-7', value: Buffer.from('not protobuf \xff\xfe'), headers: { 'x-trace': 't1' } }]);
    let letters = await listDeadLetters(kafka, raw);
    for (let i = 0; letters.length === 0 && i < 100; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      letters = await listDeadLetters(kafka, raw);
    }
    await consumer.stop();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ key: 'conv-7', originalTopic: raw, reason: 'undecodable' });

    const dry = await replayDeadLetters(kafka, raw, { dryRun: true });
    expect(dry.replayed).toBe(1);
    const groupId = `replay-${randomUUID()}`;
    expect((await replayDeadLetters(kafka, raw, { groupId })).replayed).toBe(1);
    expect((await replayDeadLetters(kafka, raw, { groupId })).replayed).toBe(0);

    const reader = kafka.consumer({ groupId: `reader-${randomUUID()}` });
    await reader.connect();
    await reader.subscribe({ topic: raw, fromBeginning: true });
    const copies: { key: string; headers: Record<string, string> }[] = [];
    await new Promise<void>((resolve) => {
      void reader.run({
        eachMessage: async ({ message }) => {
          copies.push({ key: String(message.key), headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) });
          if (copies.length === 2) resolve();
        },
      });
    });
    await reader.disconnect();
    // The original and its replayed copy; the copy carries the original headers, not the DLQ's.
    expect(copies.map((c) => c.key)).toEqual(['conv-7', 'conv-7']);
    expect(copies[1].headers).toEqual({ 'x-trace': 't1' });
  });

  it('keeps a message\'s own headers and drops the DLQ ones', () => {
    expect(originalHeaders({ 'x-trace': 'a', 'x-dlq-reason': 'undecodable', 'x-dlq-error': 'e' })).toEqual({ 'x-trace': 'a' });
  });
});
