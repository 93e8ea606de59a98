// The SLA metrics against a real Redis: every label served at 0 from start-up, the unreviewed count and the
// oldest wait read from the triage timelines' open sets at scrape time, breaches counted by priority and level.
import { randomUUID } from 'node:crypto';
import { createLogger, createMetrics } from '@switchboard/core';
import { connectRedis, createRedis } from '@switchboard/store';
import { createSlaMetrics } from '../../src/sla/sla-metrics';
import type { RunningClock } from '../../src/sla/clock-store';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'test', level: 'silent' });
const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
const keys = statusKeys(`t-sla-metrics-${randomUUID().slice(0, 8)}:`);
const NOW = 1_800_000_000_000;

beforeAll(() => connectRedis(redis, quiet));
afterAll(() => redis.quit());

/** A series' value; `series` without the service label every metric of the registry also carries. */
const value = (text: string, series: string) => {
  const withService = `${series.slice(0, -1)},service="status"}`;
  const line = text.split('\n').find((l) => l.startsWith(`${withService} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('the SLA metrics', () => {
  it('serves every label from start-up and reads the unreviewed conversations at scrape time', async () => {
    const metrics = createMetrics('status');
    const sla = createSlaMetrics({ metrics, redis, keys, logger: quiet, now: () => NOW }, 2);
    let text = await metrics.registry.metrics();
    expect(value(text, 'switchboard_sla_breaches_total{priority="urgent",level="2"}')).toBe(0);
    expect(value(text, 'switchboard_unreviewed_conversations{priority="urgent"}')).toBe(0);
    expect(value(text, 'switchboard_oldest_unreviewed_seconds{priority="urgent"}')).toBe(0);

    await redis.zadd(keys.timelineOpen('unreviewed', 'urgent'), NOW - 1_000_000, 'bot:old', NOW - 5_000, 'bot:new');
    sla.breached({ priority: 'urgent', step: { level: 1, repeat: 0, offsetMs: 0 } } as RunningClock);
    text = await metrics.registry.metrics();
    expect(value(text, 'switchboard_unreviewed_conversations{priority="urgent"}')).toBe(2);
    expect(value(text, 'switchboard_oldest_unreviewed_seconds{priority="urgent"}')).toBe(1000);
    expect(value(text, 'switchboard_unreviewed_conversations{priority="low"}')).toBe(0);
    expect(value(text, 'switchboard_sla_breaches_total{priority="urgent",level="1"}')).toBe(1);
  });
});
