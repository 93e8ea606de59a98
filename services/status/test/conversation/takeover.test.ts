// Against a real Redis: a takeover holds a conversation until its idle deadline, which each operator
// message pushes on, and is released once whichever replica sweeps.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis } from '@switchboard/store';
import { TakeoverStore } from '../../src/conversation/takeover';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'test', level: 'silent' });
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = statusKeys(`t-status-${randomUUID().slice(0, 8)}:`);

beforeAll(() => connectRedis(redis, quiet));
afterAll(() => redis.quit());

describe('TakeoverStore', () => {
  const takeovers = new TakeoverStore(redis, keys, 60000, 3600);

  it('holds a conversation until its idle deadline, which each operator message pushes on', async () => {
    await takeovers.take('c1', 'Olivia', 1_000_000);
    expect(await takeovers.state('c1')).toMatchObject({ control: 'human', operator: 'Olivia' });
    expect(await redis.get(keys.control('c1'))).toBe('human'); // what ingress reads

    expect(await takeovers.due(1_000_000 + 59_000)).toEqual([]);
    await takeovers.touch('c1', 1_000_000 + 30_000);
    expect(await takeovers.due(1_000_000 + 61_000)).toEqual([]);
    expect(await takeovers.releaseIfDue('c1', 1_000_000 + 61_000)).toBe(false);

    expect(await takeovers.due(1_000_000 + 91_000)).toEqual(['c1']);
    expect(await takeovers.releaseIfDue('c1', 1_000_000 + 91_000)).toBe(true);
    expect(await takeovers.releaseIfDue('c1', 1_000_000 + 91_000)).toBe(false); // another replica: nothing left
    expect(await takeovers.state('c1')).toEqual({ control: 'bot' });
  });

  it('does not start a takeover by touching', async () => {
    await takeovers.touch('c2');
    expect(await takeovers.due(Date.now() + 3_600_000)).not.toContain('c2');
    expect(await redis.exists(keys.takeover('c2'))).toBe(0);
  });
});
