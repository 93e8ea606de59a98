// The publisher against a real Kafka broker: a publish bigger than the broker takes in one record batch (1 MiB
// by default) for one partition is sent in order, in several requests, instead of failing for good.
import { randomUUID } from 'node:crypto';
import { create, MessageEventSchema } from '@switchboard/proto';
import { createLogger } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, decode, ensureTopics } from '../src';
import { testKafkaClient } from '../../../test/support/kafka-client';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'test', level: 'silent' });

describe('Publisher (real Kafka)', () => {
  const names = new TopicNames(`pub-${randomUUID().slice(0, 8)}.`);
  const kafka = createKafka({ brokers, clientId: 'publisher-test', logger: quiet, client: testKafkaClient });
  const publisher = new Publisher(kafka, names);

  beforeAll(async () => {
    await ensureTopics(kafka, names, { partitions: 2, replicationFactor: 1 });
    await publisher.connect();
  });
  afterAll(() => publisher.disconnect());

  it('publishes 1.5 MiB for one conversation (one partition) in order', async () => {
    const count = 700;
    const events = Array.from({ length: count }, (_, i) =>
      create(MessageEventSchema, {
        eventId: `e-${i}`,
        conversationId: 'one-conversation',
        text: `${i} ${'x'.repeat(2200)}`,
      }),
    );
    await publisher.publish(
      Topics.raw,
      events.map((value) => ({ key: 'one-conversation', value })),
    );

    const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: names.name(Topics.raw), fromBeginning: true });
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(decode(MessageEventSchema, message.value).eventId);
          if (seen.length === count) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen).toEqual(events.map((e) => e.eventId));
  });
});
