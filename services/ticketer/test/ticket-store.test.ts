// The ticketer's comment batches on a real Redis: taken with the store's OpenBatches, and a batch left open by
// a ticketer older than OpenBatches (a hash) resumed whole after an upgrade.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { ticketerKeys } from '../src/keys';
import { TicketStore } from '../src/ticket-store';

const quiet = createLogger({ service: 'ticketer-test', level: 'silent' });

describe('TicketStore comment batches', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
  });
  afterAll(() => redis.quit());

  it('takes the buffered lines as one batch and hands it back until it is finished', async () => {
    const keys = ticketerKeys(createKeys(`ticket-store-${randomUUID().slice(0, 8)}:`));
    const store = new TicketStore(redis, keys);
    await store.bufferLine('c1', 'e1', 'first', 1);
    await store.bufferLine('c1', 'e2', 'second', 1);
    const batch = (await store.takeBatch('c1'))!;
    expect(batch).toMatchObject({ lines: ['first', 'second'], recovered: false });
    expect(await store.takeBatch('c1')).toEqual({ ...batch, recovered: true });
    await store.finishBatch('c1', batch.id, 2);
    expect(await store.takeBatch('c1')).toBeNull();
    expect(await store.dueConversations(Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
  });

  it('resumes a batch left open as a hash by an older ticketer, with its id and lines', async () => {
    const keys = ticketerKeys(createKeys(`ticket-store-${randomUUID().slice(0, 8)}:`));
    await redis.hset(keys.ticketerCommentBatch('c2'), { id: 'old-batch', lines: JSON.stringify(['a line']) });
    expect(await new TicketStore(redis, keys).takeBatch('c2')).toEqual({
      id: 'old-batch',
      lines: ['a line'],
      recovered: true,
    });
  });
});
