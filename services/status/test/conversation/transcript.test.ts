// The transcript's append step on the real Redis (run alone here; the recorders run it in their scripts):
// appends once per event id, keeps the list to its cap, and keeps the set of seen ids bounded for a
// conversation that goes on for ever.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis, type Redis } from '@switchboard/store';
import { APPEND_ONCE, TranscriptStore, type TranscriptEntry } from '../../src/conversation/transcript';
import { TAKE_STEP, runSteps } from '../../src/script-steps';
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

  const store = () => new TranscriptStore(redis, keys, 10, 3600);
  /** The append step in a script of its own: true when the line was new. */
  const append = async (conversationId: string, line: TranscriptEntry) =>
    (await runSteps<number>(redis, `${APPEND_ONCE}${TAKE_STEP}return append_once(take())`, [
      store().appendStep(conversationId, line),
    ])) === 1;

  it('keeps the last entries and at most twice as many seen ids, however long the conversation', async () => {
    for (let i = 0; i < 95; i++) expect(await append('long-1', entry(`e${i}`))).toBe(true);
    expect((await store().read('long-1')).map((e) => e.eventId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `e${85 + i}`),
    );
    expect(await redis.scard(keys.transcriptIds('long-1'))).toBeLessThanOrEqual(20);
    // A redelivery of an event still in the transcript is not shown twice.
    expect(await append('long-1', entry('e94'))).toBe(false);
    expect(await append('long-1', entry('e85'))).toBe(false);
    expect(await store().read('long-1')).toHaveLength(10);
    for (const key of [keys.transcript('long-1'), keys.transcriptIds('long-1')])
      expect(await redis.ttl(key)).toBeGreaterThan(3500);
  });
});
