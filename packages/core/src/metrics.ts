// Prometheus metrics every service shares, named switchboard_<what>_<unit>. Each metric is declared here
// once; a service's own metrics live in its metrics.ts and register on the same registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** 15 and 20 split the 10–30 s range, where a quantile read by interpolation could be off by up to 20 s. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 60];

export interface Metrics {
  readonly registry: Registry;
  /** Events a consumer or ingress handled, by topic and outcome (ok, duplicate, dlq, retry, rejected, skipped: a DLQ replay meant for another consumer group). */
  readonly eventsTotal: Counter<'topic' | 'outcome'>;
  /** Time spent on one event in a consumer's handler. */
  readonly processingSeconds: Histogram<'topic'>;
  /** From ingress accepting an event to a side effect of it (slack_post, asana_task, transcript, classified). */
  readonly endToEndSeconds: Histogram<'stage'>;
  readonly dlqTotal: Counter<'topic' | 'reason'>;
  /** Calls to Slack / Asana / the bot webhook, by method and outcome (ok, error code, http status). */
  readonly externalCallsTotal: Counter<'api' | 'method' | 'outcome'>;
  readonly externalCallSeconds: Histogram<'api' | 'method'>;
  /** Seconds spent waiting for a shared rate budget or a Retry-After. */
  readonly rateLimitWaitSeconds: Counter<'api'>;
  /** Messages behind the head of each partition this consumer owns, as of its last batch. */
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** 1 while a dependency (kafka, redis) is usable, else 0. */
  readonly dependencyUp: Gauge<'dependency'>;
  /** HTTP requests answered, by route pattern (not the raw URL) and status code. */
  readonly httpRequestsTotal: Counter<'method' | 'route' | 'status'>;
  readonly httpRequestSeconds: Histogram<'method' | 'route'>;
}

export function createMetrics(service: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    eventsTotal: new Counter({
      name: 'switchboard_events_total',
      help: 'Events handled, by topic and outcome',
      labelNames: ['topic', 'outcome'],
      registers,
    }),
    processingSeconds: new Histogram({
      name: 'switchboard_event_processing_seconds',
      help: 'Time to handle one event',
      labelNames: ['topic'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    endToEndSeconds: new Histogram({
      name: 'switchboard_end_to_end_latency_seconds',
      help: 'From ingress accepting an event to its side effect, by stage',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    dlqTotal: new Counter({
      name: 'switchboard_dlq_messages_total',
      help: 'Messages sent to a dead-letter topic, by source topic and reason',
      labelNames: ['topic', 'reason'],
      registers,
    }),
    externalCallsTotal: new Counter({
      name: 'switchboard_external_calls_total',
      help: 'Calls to external APIs by method and outcome',
      labelNames: ['api', 'method', 'outcome'],
      registers,
    }),
    externalCallSeconds: new Histogram({
      name: 'switchboard_external_call_seconds',
      help: 'Duration of calls to external APIs',
      labelNames: ['api', 'method'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    rateLimitWaitSeconds: new Counter({
      name: 'switchboard_rate_limit_wait_seconds_total',
      help: 'Seconds spent waiting for a rate budget or Retry-After',
      labelNames: ['api'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'switchboard_consumer_lag_messages',
      help: 'Messages behind the partition head, as of the last batch',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    dependencyUp: new Gauge({
      name: 'switchboard_dependency_up',
      help: '1 while a dependency is usable, else 0',
      labelNames: ['dependency'],
      registers,
    }),
    httpRequestsTotal: new Counter({
      name: 'switchboard_http_requests_total',
      help: 'HTTP requests answered, by route and status code',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpRequestSeconds: new Histogram({
      name: 'switchboard_http_request_seconds',
      help: 'Time to answer an HTTP request, by route',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  };
}

/** Seconds since a moment in milliseconds, never negative (clocks of different hosts disagree a little). */
export function secondsSince(startMs: number, nowMs: number = Date.now()): number {
  return Math.max(0, (nowMs - startMs) / 1000);
}
