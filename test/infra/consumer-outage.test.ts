// A consumer outlives a long Kafka outage. kafkajs gives up on a consumer for good when no broker
// answers for a while (KafkaJSNoBrokerAvailableError: a crash it does not restart); BusConsumer then
// starts a fresh one, so the service becomes ready again by itself, as DESIGN.md's delivery rules ask.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { create, MessageEventSchema } from '@switchboard/proto';
import { createLogger, createMetrics } from '@switchboard/core';
import { BusConsumer, Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { OwnKafka } from '../support/infra';
import { eventually } from '../support/services';
import { testKafkaClient } from '../support/kafka-client';

jest.setTimeout(5 * 60 * 1000);

describe('a consumer across a long Kafka outage', () => {
  let kafka: OwnKafka;
  const lines: { msg?: string; restart?: boolean; errName?: string }[] = [];
  const logger = createLogger({
    service: 'outage-test',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as { msg?: string });
        done();
      },
    }),
  });

  beforeAll(async () => {
    kafka = await OwnKafka.startOnFreePorts();
  });

  afterAll(() => kafka?.remove());

  it('is ready and consuming again after the broker comes back', async () => {
    const names = new TopicNames(`outage-${randomUUID().slice(0, 8)}.`);
    const client = createKafka({ client: testKafkaClient, brokers: [kafka.brokers], clientId: 'outage-test', logger });
    await ensureTopics(client, names, { partitions: 1, replicationFactor: 1 });
    const publisher = new Publisher(client, names);
    await publisher.connect();
    const handled: string[] = [];
    const consumer = new BusConsumer({
      kafka: client,
      names,
      groupId: `outage-${randomUUID()}`,
      topic: Topics.raw,
      publisher,
      logger,
      metrics: createMetrics('outage-test'),
      handler: async ({ event }) => {
        handled.push(event.text);
      },
    });
    const send = (text: string) =>
      publisher.publish(Topics.raw, [
        { key: 'c1', value: create(MessageEventSchema, { eventId: randomUUID(), conversationId: 'c1', text }) },
      ]);
    try {
      await consumer.start();
      await send('before');
      await eventually(
        async () => handled,
        (h) => h.includes('before'),
        60000,
        'the first message',
      );

      kafka.stop();
      await eventually(
        async () => consumer.isReady(),
        (ready) => !ready,
        120000,
        'the consumer to notice the outage',
      );
      // Long enough for kafkajs to run out of brokers to try and give up on the consumer.
      await new Promise((r) => setTimeout(r, 20000));
      kafka.start();

      await send('after');
      await eventually(
        async () => handled,
        (h) => h.includes('after'),
        120000,
        'the message sent after the outage',
      );
      await eventually(async () => consumer.isReady(), Boolean, 60000, 'the consumer ready again');
      const crashes = lines.filter((l) => l.msg === 'consumer crashed');
      expect(crashes.length).toBeGreaterThan(0);
    } finally {
      await consumer.stop();
      await publisher.disconnect();
    }
  });
});
