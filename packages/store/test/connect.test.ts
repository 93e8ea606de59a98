// Waiting for Redis at start-up, against a real redis-server that is not there yet: each try leaves no listener
// behind however long Redis stays away, and the wait ends once it answers.
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis } from '../src';
import { OwnRedis } from '../../../test/support/infra';
import { eventually, freePort } from '../../../test/support/services';

const quiet = createLogger({ service: 'connect-test', level: 'silent' });

describe('connectRedis', () => {
  it('leaves no listener per try while Redis is away, and connects once it answers', async () => {
    const own = new OwnRedis(await freePort());
    const redis = createRedis(own.url, quiet);
    let failures = 0;
    redis.on('error', () => (failures += 1));
    const before = { ready: redis.listenerCount('ready'), error: redis.listenerCount('error') };
    const connecting = connectRedis(redis, quiet);
    try {
      await eventually(
        async () => failures,
        (n) => n >= 5,
        60000,
        'several failed tries',
      );
      expect(redis.listenerCount('ready')).toBeLessThanOrEqual(before.ready + 1);
      expect(redis.listenerCount('error')).toBeLessThanOrEqual(before.error + 1);

      await own.start();
      await connecting;
      expect(await redis.ping()).toBe('PONG');
      expect(redis.listenerCount('ready')).toBe(before.ready);
    } finally {
      redis.disconnect();
      await own.remove();
    }
  }, 120000);
});
