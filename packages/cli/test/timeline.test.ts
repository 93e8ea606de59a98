// `switchboard timeline rebuild` runs the status service's rebuild (real Kafka and Redis): without --yes it
// only explains itself; with it, stale timeline keys under the prefix go and topics without events give none.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Redis from 'ioredis';
import { rebuildScript } from '../src/timeline';

const CLI = join(__dirname, '..', 'dist', 'main.js');

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => out.push(b.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out: out.join('') })));
}

describe('switchboard timeline rebuild', () => {
  const prefix = `cli-tl-${randomUUID().slice(0, 8)}:`;
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://localhost:6379');
  afterAll(() => redis.disconnect());

  it("finds the status service's script", () => {
    expect(rebuildScript()).toMatch(/services.status.dist.rebuild-timelines\.js$/);
  });

  it('asks for --yes, then clears the timelines and replays the (here empty) topics', async () => {
    const env = { REDIS_KEY_PREFIX: prefix, KAFKA_TOPIC_PREFIX: `cli-tl-${randomUUID().slice(0, 8)}.` };
    await redis.hset(`${prefix}conv:stale:timeline`, { id: 'stale', startedAt: '1' });
    await redis.zadd(`${prefix}status:open:unreviewed:normal`, 1, 'stale');
    const refused = await run(['timeline', 'rebuild'], env);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('--yes');
    expect(await redis.exists(`${prefix}conv:stale:timeline`)).toBe(1);

    const done = await run(['timeline', 'rebuild', '--yes'], env);
    expect({ code: done.code, result: JSON.parse(done.out.trim().split('\n').pop()!) }).toEqual({
      code: 0,
      result: { deletedKeys: 2, events: 0, applied: 0, skipped: 0 },
    });
    expect(await redis.exists(`${prefix}conv:stale:timeline`, `${prefix}status:open:unreviewed:normal`)).toBe(0);
  });
});
