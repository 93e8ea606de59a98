// The triage metrics: how long conversations wait for a review, a human reply and a close (histograms,
// observed by the replica whose timeline write won), and how many are open now (a gauge read from Redis).
import { Gauge, Histogram, type Logger, type Metrics } from '@switchboard/core';
import { OPEN_STATES, PRIORITIES, type Fact, type FactName } from './timeline';
import type { TimelineStore } from './timeline-store';

/** 15 s, 30 s, 1 m, 2 m, 5 m, 10 m, 15 m, 30 m, 1 h, 2 h, 4 h, 8 h, 1 d. */
export const TRIAGE_BUCKETS = [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400];

export interface TriageMetrics {
  observe(facts: Fact[]): void;
}

export function createTriageMetrics(metrics: Metrics, timelines: TimelineStore, logger: Logger): TriageMetrics {
  const registers = [metrics.registry];
  const histogram = (name: string, help: string) =>
    new Histogram({ name, help, labelNames: ['priority'], buckets: TRIAGE_BUCKETS, registers });
  const byFact: Record<FactName, Histogram<'priority'>> = {
    review: histogram(
      'switchboard_time_to_review_seconds',
      "From a conversation's first message to its first review, by priority",
    ),
    first_human_reply: histogram(
      'switchboard_time_to_first_human_reply_seconds',
      "From a conversation's first message to the first operator message, by priority",
    ),
    close: histogram(
      'switchboard_time_to_close_seconds',
      "From a conversation's first message to its first close, by priority",
    ),
  };
  // Every label set is served from start-up, at 0 until something is observed.
  for (const h of Object.values(byFact)) for (const priority of PRIORITIES) h.zero({ priority });
  const open = new Gauge({
    name: 'switchboard_open_conversations',
    help: 'Conversations open now (not closed, not spam), by state (unreviewed, reviewed, taken_over) and priority; read from Redis',
    labelNames: ['state', 'priority'],
    registers,
    async collect() {
      try {
        for (const { bucket, count } of await timelines.openCounts()) this.set(bucket, count);
      } catch (err) {
        // Redis away: the last values stay (dependency_up says why); the scrape itself still answers.
        logger.warn({ err: (err as Error).message }, 'open conversations: Redis not readable');
      }
    },
  });
  for (const state of OPEN_STATES) for (const priority of PRIORITIES) open.set({ state, priority }, 0);
  return {
    observe(facts) {
      for (const f of facts) byFact[f.fact].observe({ priority: f.priority }, f.seconds);
    },
  };
}
