// The shared Redis round trips of ingress against a real Redis: each request gets its own values back
// from the one MGET of its turn, writes of many requests land together, and an outage fails every waiter.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis } from '@switchboard/store';
import { RedisBatches } from '../src/redis-batches';

const quiet = createLogger({ service: 'ingress-test', level: 'silent' });

describe('RedisBatches (real Redis)', () => {
  const prefix = `rb-${randomUUID().slice(0, 8)}:`;
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  const batches = new RedisBatches(redis);

  beforeAll(() => connectRedis(redis, quiet));
  afterAll(() => redis.disconnect());

  it('answers each of many concurrent lookups with its own keys, in order', async () => {
    await redis.set(`${prefix}a`, 'A');
    await redis.set(`${prefix}c`, 'C');
    const asked = [[`${prefix}a`, `${prefix}b`], [`${prefix}c`], [`${prefix}b`, `${prefix}c`, `${prefix}a`], []];
    const answers = await Promise.all(asked.map((keys) => batches.mget(keys)));
    expect(answers).toEqual([['A', null], ['C'], [null, 'C', 'A'], []]);
  });

  it('splits a turn with more keys than one MGET takes, keeping every answer in place', async () => {
    const keys = Array.from({ length: 4500 }, (_, i) => `${prefix}many-${i}`);
    await batches.setAll(
      keys.filter((_, i) => i % 3 === 0),
      60,
    );
    const [first, second] = await Promise.all([batches.mget(keys.slice(0, 2500)), batches.mget(keys.slice(2500))]);
    const all = [...first, ...second];
    expect(all).toHaveLength(4500);
    expect(all.every((value, i) => value === (i % 3 === 0 ? '1' : null))).toBe(true);
  });

  it('writes the keys of concurrent requests with their time to live', async () => {
    await Promise.all([batches.setAll([`${prefix}w1`, `${prefix}w2`], 120), batches.setAll([`${prefix}w3`], 120)]);
    expect(await redis.mget(`${prefix}w1`, `${prefix}w2`, `${prefix}w3`)).toEqual(['1', '1', '1']);
    const ttl = await redis.ttl(`${prefix}w3`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it('fails every waiting lookup and write while Redis is away', async () => {
    const away = createRedis('redis://127.0.0.1:1', quiet);
    const offline = new RedisBatches(away);
    const results = await Promise.allSettled([offline.mget(['x']), offline.mget(['y']), offline.setAll(['z'], 10)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    away.disconnect();
  });
});
