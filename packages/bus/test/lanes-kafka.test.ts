// inLanes under a real BusConsumer and broker: every conversation's events in order, several conversations in
// the handler at once, and a failing event re-handled (one by one, with retries) without losing any.
import { randomUUID } from 'node:crypto';
import { create, MessageEventSchema } from '@switchboard/proto';
import { createLogger, createMetrics } from '@switchboard/core';
import { BusConsumer, Publisher, TopicNames, Topics, createKafka, ensureTopics, inLanes, type Handler } from '../src';
import { testKafkaClient } from '../../../test/support/kafka-client';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'test', level: 'silent' });
const CONVERSATIONS = 12;
const PER_CONVERSATION = 5;

describe('inLanes with a BusConsumer (real Kafka)', () => {
  const kafka = createKafka({ client: testKafkaClient, brokers, clientId: 'lanes-test', logger: quiet });
  const running: BusConsumer<typeof MessageEventSchema>[] = [];
  const publishers: Publisher[] = [];

  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    await Promise.all(publishers.map((p) => p.disconnect()));
  });

  /** A fresh one-partition topic filled with every conversation's events interleaved, and a consumer on it. */
  async function consumeInLanes(handler: Handler<typeof MessageEventSchema>) {
    const names = new TopicNames(`lanes-${randomUUID().slice(0, 8)}.`);
    await ensureTopics(kafka, names, { partitions: 1, replicationFactor: 1 });
    const publisher = new Publisher(kafka, names);
    publishers.push(publisher);
    await publisher.connect();
    const messages = [];
    for (let n = 0; n < PER_CONVERSATION; n++)
      for (let c = 0; c < CONVERSATIONS; c++)
        messages.push({
          key: `conv-${c}`,
          value: create(MessageEventSchema, { eventId: `conv-${c}:${n}`, conversationId: `conv-${c}`, text: `${n}` }),
        });
    await publisher.publish(Topics.raw, messages);
    const consumer = new BusConsumer({
      kafka,
      names,
      groupId: `g-${randomUUID()}`,
      topic: Topics.raw,
      publisher,
      logger: quiet,
      metrics: createMetrics('lanes-test'),
      maxAttempts: 3,
      handler,
      batchHandler: inLanes(handler, { concurrency: 4 }),
    });
    running.push(consumer);
    await consumer.start();
  }

  it('keeps each conversation in order while several are handled at once', async () => {
    const handled = new Map<string, number[]>();
    let open = 0;
    let mostOpen = 0;
    await consumeInLanes(async ({ event }) => {
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      await new Promise((resolve) => setTimeout(resolve, 5));
      handled.set(event.conversationId, [...(handled.get(event.conversationId) ?? []), Number(event.text)]);
      open -= 1;
    });
    await waitFor(
      () => [...handled.values()].reduce((n, seen) => n + seen.length, 0) >= CONVERSATIONS * PER_CONVERSATION,
    );
    const inOrder = Array.from({ length: PER_CONVERSATION }, (_, n) => n);
    for (let c = 0; c < CONVERSATIONS; c++) expect(handled.get(`conv-${c}`)).toEqual(inOrder);
    expect(mostOpen).toBeGreaterThan(1);
    expect(mostOpen).toBeLessThanOrEqual(4);
  });

  it('re-handles a batch one by one when an event fails, losing none and keeping each conversation in order', async () => {
    const firstSeen = new Map<string, number[]>();
    let failed = false;
    await consumeInLanes(async ({ event }) => {
      if (event.eventId === 'conv-3:2' && !failed) {
        failed = true;
        throw new Error('Slack timed out');
      }
      // Idempotent, as handlers under lanes must be: a re-handled event is recognised and skipped.
      const seen = firstSeen.get(event.conversationId) ?? [];
      if (!seen.includes(Number(event.text))) firstSeen.set(event.conversationId, [...seen, Number(event.text)]);
    });
    await waitFor(
      () => [...firstSeen.values()].reduce((n, seen) => n + seen.length, 0) >= CONVERSATIONS * PER_CONVERSATION,
    );
    expect(failed).toBe(true);
    const inOrder = Array.from({ length: PER_CONVERSATION }, (_, n) => n);
    for (let c = 0; c < CONVERSATIONS; c++) expect(firstSeen.get(`conv-${c}`)).toEqual(inOrder);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 30000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
