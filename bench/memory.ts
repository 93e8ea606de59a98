// Memory under a burst of new conversations: the five services (processes, budgets off, the sandbox without the
// vendors' limits) take the burst; every service's RSS is sampled every 100 ms until the status service has
// recorded every conversation and all five are idle, and the peaks and the RSS after are printed for each
// variant, rounds interleaved. BENCH_MEMORY_VARIANTS (JSON) names the variants: [{ "name", "dist"?, "env"? }]:
// `env` for every service (e.g. NODE_OPTIONS), `dist` an earlier build of the status service. Topics are
// deleted after each measurement.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '@switchboard/core';
import { TopicNames, createKafka } from '@switchboard/bus';
import { startSandbox } from '@switchboard/sandbox';
import { ROOT, TestSystem, freePort, type RunningService } from '../test/support/services';
import { parseMetrics, sumOf } from './prometheus-text';
import { postEvents, rssMb } from './load';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH = 100;
const CONCURRENCY = 4;
const API_KEY = 'bench-memory-key-0123456789';
const SAMPLE_MS = 100;
const SERVICES = ['ingress', 'classifier', 'notifier', 'ticketer', 'status'] as const;
/** How long the RSS is still sampled after the last event was recorded (a late GC, a late fetch). */
const AFTER_MS = 3000;
/** The notifier and the ticketer may still be working when the status service is done; this long at most. */
const IDLE_LIMIT_MS = 120_000;
const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'bench', level: 'silent' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Variant {
  name: string;
  /** An earlier build's services/status/dist (default: this build's). */
  dist?: string;
  env?: Record<string, string>;
}

/** By default: V8's own heap sizing against the image's NODE_OPTIONS (Dockerfile). */
const DEFAULT_VARIANTS: Variant[] = [
  { name: 'V8 defaults' },
  {
    name: 'the image: --max-old-space-size=256 --max-semi-space-size=8',
    env: { NODE_OPTIONS: '--max-old-space-size=256 --max-semi-space-size=8' },
  },
];
const VARIANTS: Variant[] = process.env.BENCH_MEMORY_VARIANTS
  ? (JSON.parse(process.env.BENCH_MEMORY_VARIANTS) as Variant[])
  : DEFAULT_VARIANTS;

interface Measurement {
  peakMb: Record<string, number>;
  afterMb: Record<string, number>;
  recordSeconds: number;
}

const send = (url: string, events: object[]) => postEvents(url, API_KEY, events);

/**
 * What the status service has done: transcript lines recorded (each new one is observed once in its end-to-end
 * histogram) and events handled by all its consumers (the burst is over when that stops growing).
 */
async function progressOf(status: RunningService): Promise<{ transcripts: number; handled: number }> {
  const samples = parseMetrics(await (await fetch(`http://127.0.0.1:${status.port}/metrics`)).text());
  return {
    transcripts: sumOf(samples, 'switchboard_end_to_end_latency_seconds_count', (l) => l.stage === 'transcript'),
    handled: sumOf(samples, 'switchboard_events_total'),
  };
}

/** Waits until every conversation has its transcript line and the consumers have been idle for a second. */
async function recordedAll(status: RunningService): Promise<void> {
  let last = -1;
  for (;;) {
    const { transcripts, handled } = await progressOf(status);
    if (transcripts >= CONVERSATIONS && handled === last) return;
    last = handled;
    await sleep(1000);
  }
}

async function measure(variant: Variant, run: string): Promise<Measurement> {
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
  const system = new TestSystem({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_API_URL: sandbox.slackApiUrl,
    SLACK_TRIAGE_CHANNEL: '#triage',
    ASANA_TOKEN: 'asana-bench',
    ASANA_BASE_URL: sandbox.asanaBaseUrl,
    ASANA_PROJECT_GID: '1200000000000001',
    ASANA_WORKSPACE_GID: '1100000000000001',
    KAFKA_BROKERS: brokers.join(','),
    INGRESS_API_KEYS: `bench:${API_KEY}`,
    INGRESS_RATE_PER_SECOND: '0',
    KAFKA_TOPIC_PARTITIONS: '12',
    CLASSIFIER_RULES_FILE: join(ROOT, 'services', 'classifier', 'rules.example.yaml'),
    SWITCHBOARD_BUDGETS: 'off',
    SWITCHBOARD_ENV: 'bench',
    LOG_LEVEL: 'warn',
    ...variant.env,
  });
  const peakMb: Record<string, number> = {};
  let sampling = true;
  try {
    for (const name of ['ingress', 'classifier', 'notifier', 'ticketer'] as const) await system.start(name);
    const status = await startStatus(system, variant);
    const pids = () => [...system.services.values()].map((s) => [s.name, s.process.pid] as const);
    const sampler = (async () => {
      while (sampling) {
        for (const [name, pid] of pids()) peakMb[name] = Math.max(peakMb[name] ?? 0, rssMb(pid));
        await sleep(SAMPLE_MS);
      }
    })();
    const url = system.url('ingress', '/v1/events');
    const startedAt = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CONVERSATIONS) {
          const from = next;
          next += BATCH;
          const events = Array.from({ length: Math.min(BATCH, CONVERSATIONS - from) }, (_, i) => ({
            conversation_id: `${run}-${from + i}`,
            user: { id: `${run}-u${from + i}`, name: `Customer ${from + i}` },
            team: { id: 't1', name: 'Bench Inc' },
            text:
              (from + i) % 20 === 0 ? 'My lawyer will sue you over this' : `Question number ${from + i} about my order`,
          }));
          await send(url, events);
        }
      }),
    );
    await recordedAll(status);
    const recordSeconds = (Date.now() - startedAt) / 1000;
    await idle([...system.services.values()]);
    await sleep(AFTER_MS);
    sampling = false;
    await sampler;
    const afterMb = Object.fromEntries(pids().map(([name, pid]) => [name, rssMb(pid)]));
    return { peakMb, afterMb, recordSeconds };
  } finally {
    sampling = false;
    await system.stopAll();
    await sandbox.close();
    await dropTopics(new TopicNames(system.env.KAFKA_TOPIC_PREFIX));
  }
}

/** Waits until no service has handled an event for two seconds (at most IDLE_LIMIT_MS). */
async function idle(services: RunningService[]): Promise<void> {
  const until = Date.now() + IDLE_LIMIT_MS;
  let last = '';
  while (Date.now() < until) {
    const now = JSON.stringify(
      await Promise.all(
        services.map(async (s) =>
          sumOf(
            parseMetrics(await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text()),
            'switchboard_events_total',
          ),
        ),
      ),
    );
    if (now === last) return;
    last = now;
    await sleep(2000);
  }
}

/** The status service of this variant: this build, or an earlier one from its own dist directory. */
async function startStatus(system: TestSystem, variant: Variant): Promise<RunningService> {
  if (!variant.dist) return system.start('status', variant.env ?? {});
  const port = await freePort();
  const child = spawn(process.execPath, [join(variant.dist, 'main.js')], {
    env: { ...system.env, ...variant.env, STATUS_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => output.push(...chunk.split('\n').filter(Boolean)));
  }
  const service: RunningService = { name: 'status', port, process: child, output };
  system.services.set('status', service);
  await system.waitReady(service);
  return service;
}

async function dropTopics(names: TopicNames): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'bench-memory', logger: quiet }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    // One at a time: the broker refused some requests naming all eight at once (INVALID_REQUEST).
    for (const topic of names.all().filter((t) => existing.has(t)))
      await admin.deleteTopics({ topics: [topic], timeout: 30000 }).catch((err: Error) => {
        console.warn(`topic ${topic} not deleted: ${err.message}`);
      });
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  console.log(
    `memory: ${CONVERSATIONS} new conversations through the five services, ${ROUNDS} rounds of ${VARIANTS.map((v) => v.name).join(' / ')}, interleaved`,
  );
  const results = new Map<string, Measurement[]>(VARIANTS.map((v) => [v.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of VARIANTS) {
      const m = await measure(variant, `mem-${round}-${Math.random().toString(36).slice(2, 7)}`);
      results.get(variant.name)!.push(m);
      console.log(
        `round ${round} ${variant.name}: recorded in ${m.recordSeconds.toFixed(1)} s; peak ${JSON.stringify(m.peakMb)}; after ${JSON.stringify(m.afterMb)}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
      );
    }
  }
  console.log('\nRSS in MB, medians (every run in brackets)\n');
  console.log(`| variant | ${SERVICES.map((s) => `${s} peak`).join(' | ')} | status after | recorded in |`);
  console.log(`|---|${SERVICES.map(() => '---|').join('')}---|---|`);
  for (const [name, ms] of results) {
    const cell = (xs: number[]) => `${median(xs)} (${xs.join(' · ')})`;
    console.log(
      `| ${name} | ${SERVICES.map((s) => cell(ms.map((m) => m.peakMb[s]))).join(' | ')} | ${cell(ms.map((m) => m.afterMb.status))} | ${median(ms.map((m) => m.recordSeconds)).toFixed(1)} s |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
