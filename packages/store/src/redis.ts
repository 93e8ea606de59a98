// The Redis connection: reconnects forever with backoff, fails commands fast while away (so consumers
// stop and retry instead of queueing work in memory), and says whether it is usable for /readyz.
import Redis from 'ioredis';
import type { Logger } from '@switchboard/core';

export type { Redis } from 'ioredis';

export class RedisUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Redis is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'RedisUnavailableError';
  }
}

export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(200 * times, 5000),
    reconnectOnError: () => true,
  });
  let wasReady = false;
  redis.on('ready', () => {
    wasReady = true;
    logger.info('redis ready');
  });
  redis.on('error', (err) => {
    // ioredis reports each failed reconnect; one line per outage is enough.
    if (wasReady) logger.warn({ err: err.message }, 'redis connection lost');
    wasReady = false;
  });
  return redis;
}

export function redisReady(redis: Redis): boolean {
  return redis.status === 'ready';
}

/** Connects, waiting for Redis to appear (it may start after us); gives up only when `signal` aborts. */
export async function connectRedis(redis: Redis, logger: Logger, signal?: AbortSignal): Promise<void> {
  let attempt = 0;
  while (!signal?.aborted) {
    try {
      if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
      else if (redis.status !== 'ready')
        await new Promise<void>((resolve, reject) => {
          // Each waits for one of the two and takes the other away: left behind, a listener a try would pile up
          // for as long as Redis stays away.
          const ready = () => {
            redis.off('error', failed);
            resolve();
          };
          const failed = (err: Error) => {
            redis.off('ready', ready);
            reject(err);
          };
          redis.once('ready', ready);
          redis.once('error', failed);
        });
      return;
    } catch (err) {
      attempt += 1;
      if (attempt === 1 || attempt % 10 === 0)
        logger.warn({ err: (err as Error).message, attempt }, 'waiting for redis');
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * attempt, 5000)));
    }
  }
}

/** True for errors that mean "Redis is away" rather than a bad command. */
export function isRedisConnectionError(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  const message = err instanceof Error ? err.message : '';
  return /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|enableOfflineQueue|MaxRetriesPerRequest|connect ECONN/i.test(
    message,
  );
}
