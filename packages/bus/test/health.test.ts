import { createLogger } from '@switchboard/core';
import { KafkaHealth, createKafka } from '../src';

const quiet = createLogger({ service: 'test', level: 'silent' });

describe('KafkaHealth', () => {
  it('is up when the broker answers', async () => {
    const health = new KafkaHealth(
      createKafka({
        brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
        clientId: 'health',
        logger: quiet,
      }),
    );
    expect(await health.check()).toBe(true);
    await health.stop();
  });

  it('is down, within its time bound, when nothing answers', async () => {
    const health = new KafkaHealth(
      createKafka({ brokers: ['127.0.0.1:1'], clientId: 'health', logger: quiet }),
      5000,
      1000,
    );
    expect(await health.check()).toBe(false);
    expect(health.isUp()).toBe(false);
    await health.stop();
  });
});
