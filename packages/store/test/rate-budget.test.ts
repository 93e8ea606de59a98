// The shared rate budget (RateBudget) on a real Redis: slots taken and booked across replicas, and the call
// gate that spaces calls by their ends, so that a late call never lets the next one arrive too close to it.
import { RateBudget, type Redis } from '../src';
import { connect, redisNow, testKeys } from './support';

describe('RateBudget', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await connect();
  });
  afterAll(() => redis.quit());

  it('lets the burst through at once, then refuses and says when to come back', async () => {
    const budget = new RateBudget(redis, testKeys('budget'), 'b', { ratePerSecond: 1, burst: 2 });
    expect((await budget.tryTake('x')).allowed).toBe(true);
    expect((await budget.tryTake('x')).allowed).toBe(true);
    const refused = await budget.tryTake('x');
    expect(refused.allowed).toBe(false);
    expect(refused.waitMs).toBeGreaterThan(0);
    expect((await budget.tryTake('another subject')).allowed).toBe(true);
  });

  it('books successive slots one interval apart for reservations from two replicas', async () => {
    const keys = testKeys('budget');
    const other = await connect();
    const a = new RateBudget(redis, keys, 'b', { ratePerSecond: 2, burst: 1 });
    const b = new RateBudget(other, keys, 'b', { ratePerSecond: 2, burst: 1 });
    const waits = [await a.reserve('x'), await b.reserve('x'), await a.reserve('x')].map((r) => r.waitMs);
    expect(waits[0]).toBe(0);
    expect(waits[1]).toBeGreaterThan(400);
    expect(waits[2]).toBeGreaterThan(waits[1] + 400);
    await other.quit();
  });

  it('books a slot only within the limit asked for, however many ask at once from two replicas', async () => {
    const keys = testKeys('budget');
    const other = await connect();
    // One slot every 1.2 s, asked by 20 conversations at once that may each wait at most 3 s: the free slot and
    // the next two are booked (waits 0, 1.2 and 2.4 s); the others book nothing and hear how far the next one is.
    const spec = { ratePerSecond: 1 / 1.2, burst: 1 };
    const budgets = [new RateBudget(redis, keys, 'b', spec), new RateBudget(other, keys, 'b', spec)];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => budgets[i % 2].reserveWithin('#triage', 3000)),
    );
    const booked = answers.filter((a) => a.allowed);
    expect(booked.length).toBeGreaterThanOrEqual(3);
    expect(booked.length).toBeLessThan(20);
    for (const a of booked) expect(a.waitMs).toBeLessThanOrEqual(3000);
    for (const a of answers.filter((x) => !x.allowed)) expect(a.waitMs).toBeGreaterThan(3000);
    // Infinity books whatever the wait, as reserve does.
    expect((await budgets[0].reserveWithin('#triage', Infinity)).waitMs).toBeGreaterThan(3000);
    await other.quit();
  });

  it('starts a call only a full interval after the previous call ended, however late that call was', async () => {
    const budget = new RateBudget(redis, testKeys('budget'), 'b', { ratePerSecond: 5, burst: 1 });
    const first = budget.call('x', 10000, async () => {
      // Slow to leave (a busy replica): the vendor may count it at any moment until it returns.
      await new Promise((r) => setTimeout(r, 300));
      return redisNow(redis);
    });
    await new Promise((r) => setTimeout(r, 20));
    const secondStart = await budget.call('x', 10000, () => redisNow(redis));
    expect(secondStart).toBeGreaterThanOrEqual((await first) + 200);
  });

  it('holds the place of a call whose replica died in flight until its lease ran out', async () => {
    const keys = testKeys('budget');
    const dying = await connect();
    const leaseMs = 500;
    let leaseEnd = 0;
    await new RateBudget(dying, keys, 'b', { ratePerSecond: 5, burst: 1 }).call('x', leaseMs, async () => {
      leaseEnd = Number((await redis.zrange(keys.rateBudgetCalls('b:x', 'in-flight'), 0, 0, 'WITHSCORES'))[1]);
      dying.disconnect(); // the call's end is never recorded
    });
    const nextStart = await new RateBudget(redis, keys, 'b', { ratePerSecond: 5, burst: 1 }).call('x', leaseMs, () =>
      redisNow(redis),
    );
    expect(leaseEnd).toBeGreaterThan(0);
    expect(nextStart).toBeGreaterThanOrEqual(leaseEnd + 200);
  });

  it('lets a burst of calls run together, and no more than the burst in flight', async () => {
    const budget = new RateBudget(redis, testKeys('budget'), 'b', { ratePerSecond: 10, burst: 3 });
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        budget.call('x', 10000, async () => {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((r) => setTimeout(r, 50));
          inFlight -= 1;
        }),
      ),
    );
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
  });
});
