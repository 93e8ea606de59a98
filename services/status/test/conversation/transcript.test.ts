// The transcript store on the real Redis: appends once per event id, keeps the list to its cap, and keeps
// the set of seen ids bounded for a conversation that goes on for ever.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis, type Redis } from '@switchboard/store';
import { TranscriptStore } from '../../src/conversation/transcript';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'transcript-test', level: 'silent' });
const entry = (eventId: string) => ({
  eventId,
  from: 'user',
  author: 'Ann',
  text: `text of ${eventId}`,
  at: new Date(0).toISOString(),
});

describe('TranscriptStore', () => {
  let redis: Redis;
  const keys = statusKeys(`t${randomUUID().slice(0, 8)}:`);

  beforeAll(async () => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
  });
  afterAll(() => redis.disconnect());

  it('keeps the last entries and at most twice as many seen ids, however long the conversation', async () => {
    const store = new TranscriptStore(redis, keys, 10, 3600);
    for (let i = 0; i < 95; i++) expect(await store.append('long-1', entry(`e${i}`))).toBe(true);
    expect((await store.read('long-1')).map((e) => e.eventId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `e${85 + i}`),
    );
    expect(await redis.scard(keys.transcriptIds('long-1'))).toBeLessThanOrEqual(20);
    // A redelivery of an event still in the transcript is not shown twice.
    expect(await store.append('long-1', entry('e94'))).toBe(false);
    expect(await store.append('long-1', entry('e85'))).toBe(false);
    expect(await store.read('long-1')).toHaveLength(10);
  });
});
