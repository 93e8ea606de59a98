// Readiness by partition leaders: pure decision on Kafka's topic metadata (kafkajs reports leader -1 for a
// partition without one), and the live check against the real broker.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { PartitionLeaders, allPartitionsLed } from '../src/partition-leaders';

describe('allPartitionsLed', () => {
  it.each([
    [
      'every partition led',
      {
        partitions: [
          { partitionId: 0, leader: 1 },
          { partitionId: 1, leader: 2 },
        ],
      },
      true,
    ],
    [
      'one partition without a leader',
      {
        partitions: [
          { partitionId: 0, leader: 1 },
          { partitionId: 1, leader: -1 },
        ],
      },
      false,
    ],
    ['no partitions', { partitions: [] }, false],
    ['no such topic', undefined, false],
  ])('%s', (_what, topic, ready) => {
    expect(allPartitionsLed(topic)).toBe(ready);
  });
});

describe('PartitionLeaders (real broker)', () => {
  const quiet = createLogger({ service: 'leaders-test', level: 'silent' });
  const kafka = createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
    clientId: 'leaders-test',
    logger: quiet,
  });

  it('is ready for an existing topic and not for a missing one', async () => {
    const names = new TopicNames(`leaders-${randomUUID().slice(0, 8)}.`);
    const missing = new PartitionLeaders(kafka, names.name(Topics.raw));
    expect(await missing.check()).toBe(false);
    await missing.stop();
    await ensureTopics(kafka, names, { partitions: 2, replicationFactor: 1 });
    const present = new PartitionLeaders(kafka, names.name(Topics.raw));
    expect(await present.check()).toBe(true);
    expect(present.isReady()).toBe(true);
    await present.stop();
  });
});
