// A real Redis for the store's tests (REDIS_URL), with keys of a test run's own, and a way to wait for a state.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createKeys, createRedis, type Keys, type Redis } from '../src';

export const quiet = createLogger({ service: 'store-test', level: 'silent' });

/** A connection of its own: a "replica" a test can cut off from Redis. */
export async function connect(): Promise<Redis> {
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  await connectRedis(redis, quiet);
  return redis;
}

export function testKeys(name: string): Keys {
  return createKeys(`store-${name}-${randomUUID().slice(0, 8)}:`);
}

/** Redis's clock in ms, the clock the budgets and locks are kept on. */
export async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

export async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
