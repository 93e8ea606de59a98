// Console sessions in a real Redis: found while used, ended by sign-out, by idleness (the key's TTL), by
// their longest life, and all at once for a removed operator; every end is announced to the streams.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createRedis } from '@switchboard/store';
import { ConsoleSessions } from '../../src/console/console-sessions';
import { LiveHub } from '../../src/conversation/live';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'test', level: 'silent' });
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = statusKeys(`t-sessions-${randomUUID().slice(0, 8)}:`);
const live = new LiveHub(redis, keys, quiet);
const sessions = new ConsoleSessions(redis, keys, live, { idleSeconds: 600, maxSeconds: 3600 });
const ended: string[] = [];

beforeAll(async () => {
  await connectRedis(redis, quiet);
  await live.start();
  live.onSessionEnded((sid) => ended.push(sid));
});
afterAll(async () => {
  await live.stop();
  await redis.quit();
});

const waitForEnd = async (sid: string) => {
  for (let i = 0; i < 100 && !ended.includes(sid); i += 1) await new Promise((r) => setTimeout(r, 20));
  return ended.includes(sid);
};

describe('ConsoleSessions', () => {
  it('finds a session while it is used, its idle clock restarted, never past its longest life', async () => {
    const start = 1_000_000_000;
    const user = await sessions.start('sid-a', { login: 'olivia', name: 'Olivia', email: 'o@example.test' }, start);
    expect(user).toEqual({ login: 'olivia', name: 'Olivia', email: 'o@example.test', sid: 'sid-a' });
    expect(await redis.ttl(keys.consoleSession('sid-a'))).toBe(600);
    expect(await sessions.find('sid-a', start + 3300_000)).toEqual(user);
    expect(await redis.ttl(keys.consoleSession('sid-a'))).toBe(300); // the idle clock may not outlive the session
    expect(await sessions.find('sid-a', start + 3600_000)).toBeNull();
    expect(await redis.exists(keys.consoleSession('sid-a'))).toBe(0);
  });

  it('ends a session on sign-out and tells every replica', async () => {
    await sessions.start('sid-b', { login: 'olivia', name: 'Olivia' });
    await sessions.end('sid-b');
    expect(await sessions.find('sid-b')).toBeNull();
    expect(await waitForEnd('sid-b')).toBe(true);
  });

  it('ends every session of a removed operator, and only theirs', async () => {
    await sessions.start('sid-c1', { login: 'Oscar', name: 'Oscar' });
    await sessions.start('sid-c2', { login: 'oscar', name: 'Oscar' });
    await sessions.start('sid-d', { login: 'olivia', name: 'Olivia' });
    expect(await sessions.endAllOf('oscar')).toBe(2);
    expect(await sessions.find('sid-c1')).toBeNull();
    expect(await sessions.find('sid-c2')).toBeNull();
    expect(await sessions.find('sid-d')).not.toBeNull();
    expect(await waitForEnd('sid-c2')).toBe(true);
  });
});
