// The SLA metrics: breaches published (by priority and level), and the unreviewed conversations now and the
// oldest one's wait, by priority, read from the triage timelines' open sets in Redis at each scrape.
import { Counter, Gauge, type Logger, type Metrics } from '@switchboard/core';
import type { Redis } from '@switchboard/store';
import { PRIORITIES } from '../conversation/timeline';
import type { StatusKeys } from '../status-keys';
import type { RunningClock } from './clock-store';

const UNREVIEWED = `
local out = {}
for i, key in ipairs(KEYS) do
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  out[i] = {redis.call('ZCARD', key), oldest[2] or false}
end
return out`;

export interface SlaMetrics {
  breached(clock: RunningClock): void;
}

/** `levels`: the most escalation levels a policy has, so every level's series is served (at 0) from start-up. */
export function createSlaMetrics(
  deps: { metrics: Metrics; redis: Redis; keys: StatusKeys; logger: Logger; now?: () => number },
  levels: number,
): SlaMetrics {
  const registers = [deps.metrics.registry];
  const now = deps.now ?? Date.now;
  const breaches = new Counter({
    name: 'switchboard_sla_breaches_total',
    help: 'SLA breach events published, by priority and level (0: the reminders, 1..n: escalation levels)',
    labelNames: ['priority', 'level'],
    registers,
  });
  for (const priority of PRIORITIES)
    for (let level = 0; level <= levels; level += 1) breaches.inc({ priority, level: String(level) }, 0);

  // What the gauges read at a scrape, in one script call: the count and the oldest start of each priority's
  // unreviewed set. KEYS: the sets. Returns {count, oldest start or false} for each.
  const keys = PRIORITIES.map((priority) => deps.keys.timelineOpen('unreviewed', priority));
  const read = async () => {
    const results = (await deps.redis.eval(UNREVIEWED, keys.length, ...keys)) as [number, string | null][];
    return PRIORITIES.map((priority, i) => {
      const [count, oldest] = results[i];
      return {
        priority,
        count: Number(count),
        oldestSeconds: oldest ? Math.max(0, (now() - Number(oldest)) / 1000) : 0,
      };
    });
  };
  // A gauge per figure, each filled from the same read at scrape time; Redis away: the last values stay.
  const gauge = (name: string, help: string, value: (r: Awaited<ReturnType<typeof read>>[number]) => number) => {
    const g = new Gauge({
      name,
      help,
      labelNames: ['priority'],
      registers,
      async collect() {
        try {
          for (const r of await read()) this.set({ priority: r.priority }, value(r));
        } catch (err) {
          deps.logger.warn({ err: (err as Error).message, metric: name }, 'SLA gauge: Redis not readable');
        }
      },
    });
    for (const priority of PRIORITIES) g.set({ priority }, 0);
    return g;
  };
  gauge(
    'switchboard_unreviewed_conversations',
    'Open conversations nobody has reviewed yet, by priority; read from Redis',
    (r) => r.count,
  );
  gauge(
    'switchboard_oldest_unreviewed_seconds',
    'How long the oldest unreviewed open conversation has waited since it started, by priority (0: none); read from Redis',
    (r) => r.oldestSeconds,
  );
  return {
    breached(clock) {
      breaches.inc({ priority: clock.priority || 'unspecified', level: String(clock.step.level) });
    },
  };
}
