// `switchboard dlq list / replay` against a real Kafka: a poison message dead-lettered by a real consumer
// is listed with its reason, replayed to its original topic once, and not again; the replay is handled
// again by the group that failed on it and by no other group.
import { randomUUID } from 'node:crypto';
import { createLogger, createMetrics } from '@switchboard/core';
import {
  BusConsumer,
  PermanentError,
  Publisher,
  REPLAY_FOR_HEADER,
  TopicNames,
  Topics,
  createKafka,
  ensureTopics,
} from '@switchboard/bus';
import { create, toBinary } from '@bufbuild/protobuf';
import { MessageEventSchema } from '@switchboard/proto';
import { listDeadLetters, replayDeadLetters, originalHeaders, replayHeaders } from '../src/dlq';

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
    const consumerGroup = `g-${randomUUID()}`;
    const consumer = new BusConsumer({
      kafka,
      names,
      groupId: consumerGroup,
      topic: Topics.raw,
      publisher,
      logger: quiet,
      metrics: createMetrics('cli-test'),
      handler: async () => undefined,
    });
    const groupId = consumerGroup;
    await consumer.start();
    await publisher.publishRaw(raw, [
      { key: 'conv-7', value: Buffer.from('not protobuf \xff\xfe'), headers: { 'x-trace': 't1' } },
    ]);
    let letters = await listDeadLetters(kafka, raw);
    for (let i = 0; letters.length === 0 && i < 100; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      letters = await listDeadLetters(kafka, raw);
    }
    await consumer.stop();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      key: 'conv-7',
      originalTopic: raw,
      reason: 'undecodable',
      consumerGroup: groupId,
    });

    const dry = await replayDeadLetters(kafka, raw, { dryRun: true });
    expect(dry.replayed).toBe(1);
    const replayGroup = `replay-${randomUUID()}`;
    expect((await replayDeadLetters(kafka, raw, { groupId: replayGroup })).replayed).toBe(1);
    expect((await replayDeadLetters(kafka, raw, { groupId: replayGroup })).replayed).toBe(0);

    const reader = kafka.consumer({ groupId: `reader-${randomUUID()}` });
    await reader.connect();
    await reader.subscribe({ topic: raw, fromBeginning: true });
    const copies: { key: string; headers: Record<string, string> }[] = [];
    await new Promise<void>((resolve) => {
      void reader.run({
        eachMessage: async ({ message }) => {
          copies.push({
            key: String(message.key),
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          });
          if (copies.length === 2) resolve();
        },
      });
    });
    await reader.disconnect();
    // The original and its replayed copy; the copy carries the original headers, not the DLQ's, and names
    // the group it is replayed for.
    expect(copies.map((c) => c.key)).toEqual(['conv-7', 'conv-7']);
    expect(copies[1].headers).toEqual({ 'x-trace': 't1', [REPLAY_FOR_HEADER]: groupId });
  });

  it('re-drives a replayed message to the group that failed on it, and to no other group', async () => {
    const topicNames = new TopicNames(`cli-${randomUUID().slice(0, 8)}.`);
    await ensureTopics(kafka, topicNames, { partitions: 1, replicationFactor: 1 });
    const topic = topicNames.name(Topics.raw);
    const seen = { failing: [] as string[], healthy: [] as string[] };
    let failNext = true;
    const start = async (name: keyof typeof seen, fail: boolean) => {
      const consumer = new BusConsumer({
        kafka,
        names: topicNames,
        groupId: `${name}-${randomUUID()}`,
        topic: Topics.raw,
        publisher,
        logger: quiet,
        metrics: createMetrics('cli-test'),
        handler: async ({ event }) => {
          seen[name].push(event.eventId);
          if (fail && failNext) throw new PermanentError('the first attempt fails for good');
        },
      });
      await consumer.start();
      return consumer;
    };
    const failing = await start('failing', true);
    const healthy = await start('healthy', false);
    const event = create(MessageEventSchema, { eventId: 'e-replay-1', conversationId: 'conv-9', text: 'hello' });
    await publisher.publishRaw(topic, [{ key: 'conv-9', value: Buffer.from(toBinary(MessageEventSchema, event)) }]);
    const waitFor = async (what: () => boolean) => {
      for (let i = 0; !what() && i < 150; i += 1) await new Promise((r) => setTimeout(r, 200));
      expect(what()).toBe(true);
    };
    await waitFor(() => seen.failing.length === 1 && seen.healthy.length === 1);
    let listed = await listDeadLetters(kafka, topic);
    for (let i = 0; listed.length === 0 && i < 100; i += 1) {
      await new Promise((r) => setTimeout(r, 200));
      listed = await listDeadLetters(kafka, topic);
    }
    expect(listed).toHaveLength(1);

    failNext = false;
    expect((await replayDeadLetters(kafka, topic, { groupId: `replay-${randomUUID()}` })).replayed).toBe(1);
    await waitFor(() => seen.failing.length === 2);
    // A sentinel published after the replay: once the healthy group has seen it, it has passed the copy.
    const sentinel = create(MessageEventSchema, { eventId: 'e-sentinel', conversationId: 'conv-9', text: 'after' });
    await publisher.publishRaw(topic, [{ key: 'conv-9', value: Buffer.from(toBinary(MessageEventSchema, sentinel)) }]);
    await waitFor(() => seen.healthy.includes('e-sentinel') && seen.failing.includes('e-sentinel'));
    await Promise.all([failing.stop(), healthy.stop()]);
    expect(seen.failing).toEqual(['e-replay-1', 'e-replay-1', 'e-sentinel']);
    expect(seen.healthy).toEqual(['e-replay-1', 'e-sentinel']);
  });

  it('addresses a replayed copy to the group named in its dead-letter headers', () => {
    expect(replayHeaders({ 'x-trace': 'a', 'x-dlq-consumer-group': 'notifier', [REPLAY_FOR_HEADER]: 'old' })).toEqual({
      'x-trace': 'a',
      [REPLAY_FOR_HEADER]: 'notifier',
    });
    expect(replayHeaders({ 'x-trace': 'a' })).toEqual({ 'x-trace': 'a' });
  });

  it("keeps a message's own headers and drops the DLQ ones", () => {
    expect(originalHeaders({ 'x-trace': 'a', 'x-dlq-reason': 'undecodable', 'x-dlq-error': 'e' })).toEqual({
      'x-trace': 'a',
    });
  });
});
