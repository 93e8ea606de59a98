// The bus against a real Kafka broker: commit only after the handler succeeded, undecodable and
// failing messages to the DLQ with error headers, the partition never stuck on one bad message.
import { randomUUID } from 'node:crypto';
import { create, MessageEventSchema } from '@switchboard/proto';
import { createLogger, createMetrics } from '@switchboard/core';
import {
  BusConsumer,
  DlqHeader,
  Publisher,
  TopicNames,
  Topics,
  createKafka,
  ensureTopics,
  PermanentError,
  decode,
} from '../src';
import { testKafkaClient } from '../../../test/support/kafka-client';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'test', level: 'silent' });

describe('BusConsumer (real Kafka)', () => {
  const names = new TopicNames(`bus-${randomUUID().slice(0, 8)}.`);
  const kafka = createKafka({ client: testKafkaClient, brokers, clientId: 'bus-test', logger: quiet });
  const publisher = new Publisher(kafka, names);
  const consumers: BusConsumer<typeof MessageEventSchema>[] = [];

  beforeAll(async () => {
    await ensureTopics(kafka, names, { partitions: 2, replicationFactor: 1 });
    await publisher.connect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await publisher.disconnect();
  });

  async function readDlq(count: number) {
    const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: names.dlq(Topics.raw), fromBeginning: true });
    const seen: { headers: Record<string, string>; value: Buffer | null }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          seen.push({ headers, value: message.value });
          if (seen.length >= count) resolve();
        },
      });
    });
    await consumer.disconnect();
    return seen;
  }

  it('handles good messages, dead-letters bad ones with their reason, and keeps going', async () => {
    const handled: string[] = [];
    const metrics = createMetrics('bus-test');
    const consumer = new BusConsumer({
      kafka,
      names,
      groupId: `g-${randomUUID()}`,
      topic: Topics.raw,
      publisher,
      logger: quiet,
      metrics,
      maxAttempts: 2,
      handler: async ({ event }) => {
        if (event.text === 'refuse') throw new PermanentError('cannot handle this', 'refused');
        if (event.text === 'explode') throw new TypeError('boom');
        handled.push(event.eventId);
      },
    });
    consumers.push(consumer);
    await consumer.start();

    const event = (id: string, text: string) => ({
      key: 'conv-1',
      value: create(MessageEventSchema, { eventId: id, conversationId: 'conv-1', text }),
    });
    await publisher.publish(Topics.raw, [event('e1', 'hello')]);
    await publisher.publishRaw(names.name(Topics.raw), [{ key: 'conv-1', value: Buffer.from([0xff, 0x01, 0x02]) }]);
    await publisher.publish(Topics.raw, [event('e2', 'refuse'), event('e3', 'explode'), event('e4', 'bye')]);

    const dead = await readDlq(3);
    expect(dead.map((d) => d.headers[DlqHeader.reason])).toEqual(['undecodable', 'refused', 'handler_failed']);
    expect(dead[0].value).toEqual(Buffer.from([0xff, 0x01, 0x02]));
    expect(dead[1].headers[DlqHeader.originalTopic]).toBe(names.name(Topics.raw));
    expect(dead[1].headers[DlqHeader.error]).toBe('cannot handle this');
    expect(decode(MessageEventSchema, dead[2].value).eventId).toBe('e3');

    await waitFor(() => handled.length === 2);
    expect(handled).toEqual(['e1', 'e4']);
    expect(await metrics.registry.getSingleMetricAsString('switchboard_dlq_messages_total')).toContain(
      'reason="undecodable"',
    );
  });

  it('commits only what was handled: a restarted group resumes after the last success', async () => {
    const groupId = `g-${randomUUID()}`;
    const metrics = createMetrics('bus-test');
    const topicNames = new TopicNames(`bus2-${randomUUID().slice(0, 8)}.`);
    await ensureTopics(kafka, topicNames, { partitions: 1, replicationFactor: 1 });
    const localPublisher = new Publisher(kafka, topicNames);
    await localPublisher.connect();
    const first: string[] = [];
    let blockFrom = 'e3';
    const makeConsumer = (sink: string[]) =>
      new BusConsumer({
        kafka,
        names: topicNames,
        groupId,
        topic: Topics.raw,
        publisher: localPublisher,
        logger: quiet,
        metrics,
        isUnavailable: () => true,
        handler: async ({ event }) => {
          if (event.eventId === blockFrom) throw new Error('dependency away');
          sink.push(event.eventId);
        },
      });
    const consumer = makeConsumer(first);
    await consumer.start();
    await localPublisher.publish(
      Topics.raw,
      ['e1', 'e2', 'e3', 'e4'].map((id) => ({
        key: 'c',
        value: create(MessageEventSchema, { eventId: id, conversationId: 'c' }),
      })),
    );
    await waitFor(() => first.length === 2);
    expect(consumer.isReady()).toBe(false);
    await consumer.stop();

    blockFrom = '';
    const second: string[] = [];
    const again = makeConsumer(second);
    consumers.push(again);
    await again.start();
    await waitFor(() => second.length === 2);
    expect(second).toEqual(['e3', 'e4']);
    await localPublisher.disconnect();
  });

  it('serves its outcome and dead-letter counters as 0 from start-up, so the first dead letter is seen by increase()', async () => {
    const metrics = createMetrics('bus-test');
    new BusConsumer({
      kafka,
      names,
      groupId: `g-${randomUUID()}`,
      topic: Topics.raw,
      publisher,
      logger: quiet,
      metrics,
      handler: async () => undefined,
    });
    const topic = names.name(Topics.raw);
    const dlq = await metrics.registry.getSingleMetricAsString('switchboard_dlq_messages_total');
    const events = await metrics.registry.getSingleMetricAsString('switchboard_events_total');
    for (const reason of ['undecodable', 'handler_failed'])
      expect(dlq).toContain(`switchboard_dlq_messages_total{topic="${topic}",reason="${reason}",service="bus-test"} 0`);
    for (const outcome of ['ok', 'retry', 'dlq', 'skipped'])
      expect(events).toContain(`switchboard_events_total{topic="${topic}",outcome="${outcome}",service="bus-test"} 0`);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 30000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
