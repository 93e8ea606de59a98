// The claim each Slack/Asana delivery and console form goes through, on the real Redis: in progress (renewed
// while the work runs) → done; a redelivery is told "duplicate" only once the work is done, is told to come
// back while it runs, and redoes it after a failure or after the holder died.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis } from '@switchboard/store';
import { InboundOnce, StillWorking } from '../src/inbound-once';
import { statusKeys } from '../src/status-keys';

const quiet = createLogger({ service: 'inbound-once-test', level: 'silent' });

/** A work the test finishes when it wants: the stand-in for a Kafka publish that has not been acknowledged. */
function gate() {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { done, open, fail };
}

describe('InboundOnce', () => {
  const keys = statusKeys(`once-${randomUUID().slice(0, 8)}:`);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);

  beforeAll(() => connectRedis(redis, quiet));
  afterAll(async () => {
    const found = await redis.keys(keys.inboundSeen('*', '*'));
    if (found.length) await redis.del(...found);
    redis.disconnect();
  });

  const once = (answerWithinMs = 200, claimMs = 30000) =>
    new InboundOnce(redis, keys, { answerWithinMs, claimMs, logger: quiet });

  it('does the work once and answers later deliveries "duplicate" once it is done', async () => {
    let runs = 0;
    const work = async () => void runs++;
    expect(await once().run('slack', 'done-1', work)).toBe(true);
    expect(await once().run('slack', 'done-1', work)).toBe(false);
    expect(runs).toBe(1);
    expect(await redis.get(keys.inboundSeen('slack', 'done-1'))).toBe('done');
  });

  it('tells a delivery that arrives while the first is still working to come back, then "duplicate" after it is done', async () => {
    const publish = gate();
    let runs = 0;
    const first = once().run('slack', 'slow-1', async () => {
      runs++;
      await publish.done;
    });
    await expect(first).rejects.toBeInstanceOf(StillWorking); // the first answer: not yet
    await expect(once().run('slack', 'slow-1', async () => void runs++)).rejects.toBeInstanceOf(StillWorking);
    publish.open();
    await eventuallyDone(keys.inboundSeen('slack', 'slow-1'));
    expect(await once().run('slack', 'slow-1', async () => void runs++)).toBe(false);
    expect(runs).toBe(1);
  });

  it('gives a waiting delivery the outcome of the first when it comes within the window', async () => {
    const publish = gate();
    const first = once(5000).run('slack', 'wait-1', () => publish.done);
    const second = once(5000).run('slack', 'wait-1', async () => {
      throw new Error('must not run: the first delivery is doing it');
    });
    publish.open();
    await expect(first).resolves.toBe(true);
    await expect(second).resolves.toBe(false);
  });

  it('redoes the work after the first delivery failed (the claim is released)', async () => {
    const publish = gate();
    const first = once(5000).run('slack', 'fail-1', () => publish.done);
    publish.fail(new Error('the broker refused the write'));
    await expect(first).rejects.toThrow('the broker refused the write');
    expect(await redis.get(keys.inboundSeen('slack', 'fail-1'))).toBeNull();
    let runs = 0;
    expect(await once().run('slack', 'fail-1', async () => void runs++)).toBe(true);
    expect(runs).toBe(1);
  });

  it('releases the claim of a work that fails after its delivery was answered, so the next one redoes it', async () => {
    const publish = gate();
    await expect(once().run('slack', 'late-fail-1', () => publish.done)).rejects.toBeInstanceOf(StillWorking);
    publish.fail(new Error('gave up after the answer'));
    await eventuallyGone(keys.inboundSeen('slack', 'late-fail-1'));
    let runs = 0;
    expect(await once().run('slack', 'late-fail-1', async () => void runs++)).toBe(true);
    expect(runs).toBe(1);
  });

  it('renews the claim while the work runs longer than its TTL, so no second delivery starts it again', async () => {
    const publish = gate();
    const claimMs = 300;
    const first = once(100, claimMs)
      .run('slack', 'long-1', () => publish.done)
      .catch((err: unknown) => err);
    expect(await first).toBeInstanceOf(StillWorking);
    // Several TTLs later the claim is still held (renewed), so the redelivery is still told to come back.
    await new Promise((resolve) => setTimeout(resolve, claimMs * 4));
    await expect(once(100, claimMs).run('slack', 'long-1', async () => undefined)).rejects.toBeInstanceOf(StillWorking);
    publish.open();
    await eventuallyDone(keys.inboundSeen('slack', 'long-1'));
  });

  it('lets a later delivery redo the work when the holder died (its claim expired unrenewed)', async () => {
    // What a process killed mid-work leaves behind: an in-progress claim that nobody renews.
    await redis.set(keys.inboundSeen('slack', 'dead-1'), `working:${randomUUID()}`, 'PX', 200);
    let runs = 0;
    expect(await once(5000).run('slack', 'dead-1', async () => void runs++)).toBe(true);
    expect(runs).toBe(1);
  });

  it('treats a claim written by the earlier version (a timestamp) as done', async () => {
    await redis.set(keys.inboundSeen('asana', 'old-1'), String(Date.now()), 'EX', 60);
    expect(await once().run('asana', 'old-1', async () => undefined)).toBe(false);
  });

  async function eventuallyDone(key: string) {
    for (let i = 0; i < 200 && (await redis.get(key)) !== 'done'; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await redis.get(key)).toBe('done');
  }
  async function eventuallyGone(key: string) {
    for (let i = 0; i < 200 && (await redis.get(key)) !== null; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await redis.get(key)).toBeNull();
  }
});
