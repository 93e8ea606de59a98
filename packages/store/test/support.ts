// A real Redis for the store's tests (REDIS_URL), with keys of a test run's own, and Redis's clock.
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
