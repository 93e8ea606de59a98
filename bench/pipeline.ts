// End-to-end benchmark: the whole pipeline (ingress → classifier → notifier / ticketer / status, the
// services as processes, the sandbox (a process) as Slack and Asana with no rate limit, the services' own
// budgets off: SWITCHBOARD_BUDGETS=off) against raw kafkajs produce→consume on the same broker, rounds
// interleaved, as medians and ratios. Then both at a steady 1,000 events/s: latency from ingest to the Slack
// post and to the Asana task (the services' own histograms, and the sandbox's receive times for each new
// conversation's root and task). Peak memory per service. Writes a table, JSON and an SVG to bench/results/.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { conversationInNotes } from '@switchboard/agreements';
import { createLogger } from '@switchboard/core';
import { TopicNames, createKafka, ensureTopics } from '@switchboard/bus';
import { ROOT, TestSystem, type ServiceName } from '../test/support/services';
import { histogramQuantile, parseMetrics, since, sumOf, type Sample } from './prometheus-text';
import { barChart } from './svg';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 6000);
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** The steady load of the latency phase, for this long, over this many conversations. */
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const RATE_CONVERSATIONS = Number(process.env.BENCH_RATE_CONVERSATIONS ?? 1000);
/**
 * The steady phase's latencies are also given for the observations after this long (its second half by default):
 * its first seconds bring every conversation's first event (a root and a task each) to processes just started.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_RATE_WARMUP_SECONDS ?? RATE_SECONDS / 2);
/**
 * BENCH_COMPARE_ENV: JSON of service settings for a second pipeline run in every round (a variant measured
 * against the same raw baseline, interleaved), e.g. '{"KAFKA_CONVERSATIONS_CONCURRENTLY":"64"}'.
 */
const COMPARE_ENV: Record<string, string> | undefined = process.env.BENCH_COMPARE_ENV
  ? (JSON.parse(process.env.BENCH_COMPARE_ENV) as Record<string, string>)
  : undefined;
/** BENCH_BUDGETS=on keeps the services' Slack and Asana budgets (their production pace). */
const BUDGETS_OFF = (process.env.BENCH_BUDGETS ?? 'off') === 'off';
const BATCH = 100;
const CONCURRENCY = 4;
/** Batches of the steady load: small, so that events arrive evenly rather than in bursts of a hundred. */
const STEADY_BATCH = 10;
const API_KEY = 'bench-pipeline-key-0123456789';
const SERVICES: ServiceName[] = ['ingress', 'classifier', 'notifier', 'ticketer', 'status'];
/**
 * The consumers whose progress the bench follows: the topic's events each service handles, and how many of its
 * consumers read that topic (the status service reads conv.classified three times: transcript, handoffs, reopen).
 */
const DRAINED: { name: ServiceName; topic: string; consumers: number }[] = [
  { name: 'classifier', topic: 'conv.raw', consumers: 1 },
  { name: 'notifier', topic: 'conv.classified', consumers: 1 },
  { name: 'ticketer', topic: 'conv.classified', consumers: 1 },
  { name: 'status', topic: 'conv.classified', consumers: 3 },
];
const quiet = createLogger({ service: 'bench', level: 'silent' });
const progress = (text: string) => process.stderr.write(`\r\x1b[K${text}`);
const quantiles = [0.5, 0.95, 0.99];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How a run sends its events: as fast as it can (BATCH, CONCURRENCY in flight), or steadily at RATE. */
type Load = { kind: 'flat-out'; events: number } | { kind: 'steady'; events: number; perSecond: number };

const flatOut: Load = { kind: 'flat-out', events: EVENTS };
const steady: Load = { kind: 'steady', events: RATE * RATE_SECONDS, perSecond: RATE };

/** Sends the load's events; `send(from, count)` sends one batch. */
async function load(how: Load, send: (from: number, count: number) => Promise<void>): Promise<void> {
  if (how.kind === 'flat-out') {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < how.events) {
          const from = next;
          next += BATCH;
          await send(from, Math.min(BATCH, how.events - from));
        }
      }),
    );
    return;
  }
  // Steady: batch i leaves at start + i × its share of a second, whether or not the earlier ones are answered.
  const startedAt = Date.now();
  const sends: Promise<void>[] = [];
  for (let from = 0; from < how.events; from += STEADY_BATCH) {
    const due = startedAt + (from / how.perSecond) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
    sends.push(send(from, Math.min(STEADY_BATCH, how.events - from)));
  }
  await Promise.all(sends);
}

interface Latencies {
  p50: number;
  p95: number;
  p99: number;
}

const percentiles = (values: number[]): Latencies => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
};

/** Raw kafkajs: produce the load's messages with send times inside, consume them in a group. */
interface RawRun {
  eventsPerSecond: number;
  latency: Latencies;
  /** This process's CPU time (producer and consumer) per event, ms. */
  cpuMsPerEvent: number;
}

async function rawBaseline(how: Load): Promise<RawRun> {
  const kafka = createKafka({ brokers, clientId: 'bench-raw', logger: quiet });
  const names = new TopicNames(`bench-raw-${randomUUID().slice(0, 8)}.`);
  await ensureTopics(kafka, names, { partitions: 12, replicationFactor: 1 });
  const topic = names.name('raw');
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const latencies: number[] = [];
  let lastAt = 0;
  const done = new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) latencies.push((now - Number(m.headers?.sent?.toString())) / 1000);
        lastAt = now;
        if (latencies.length >= how.events) resolve();
      },
    });
  });
  await sleep(3000); // let the group settle before the clock starts
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const cpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  await load(how, async (from, count) => {
    const sent = String(Date.now());
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: count }, (_, i) => ({
        key: `conv-${(from + i) % CONVERSATIONS}`,
        value: 'x'.repeat(200),
        headers: { sent },
      })),
    });
  });
  await done;
  const cpu = process.cpuUsage(cpuBefore);
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return {
    eventsPerSecond: how.events / ((lastAt - startedAt) / 1000),
    latency: percentiles(latencies),
    cpuMsPerEvent: (cpu.user + cpu.system) / 1000 / how.events,
  };
}

async function scrape(system: TestSystem, name: ServiceName): Promise<Sample[]> {
  return parseMetrics(await (await fetch(system.url(name, '/metrics'))).text());
}

/** The share of a histogram's observations at or below `le` (a bucket bound: exact, not interpolated). */
function shareWithin(samples: Sample[], name: string, le: string, match: Record<string, string>): number {
  const bucket = (bound: string) =>
    sumOf(samples, `${name}_bucket`, (l) => l.le === bound && Object.entries(match).every(([k, v]) => l[k] === v));
  return bucket(le) / bucket('+Inf');
}

/** From the services' histograms, every observation of each hop. */
interface HopLatencies {
  /** Every post and every task. */
  slack: Latencies;
  asana: Latencies;
  /** The hops before them: ingest → classified (classifier), → transcript (status). */
  classified: Latencies;
  transcript: Latencies;
  slackWithin250ms: number;
  asanaWithin250ms: number;
}

interface PipelineRun extends HopLatencies {
  eventsPerSecond: number;
  perService: Record<string, number>;
  /** A steady load only: the same, of the observations made after its warm-up (WARMUP_SECONDS). */
  afterWarmUp?: HopLatencies;
  /** From the sandbox: a new conversation's first event sent → its root received, and → its task made. */
  firstToRoot: Latencies;
  firstToTask: Latencies;
  memoryMb: Record<string, number>;
  /** CPU time each process used from the first event posted until all were handled, per event (ms). */
  cpuMsPerEvent: Record<string, number>;
}

function profiling(): Record<string, string> {
  const { NODE_OPTIONS, BENCH_PROFILE_DIR } = JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}') as Record<
    string,
    string
  >;
  return NODE_OPTIONS && BENCH_PROFILE_DIR ? { NODE_OPTIONS, BENCH_PROFILE_DIR } : {};
}

/**
 * The sandbox as a process of its own (sandbox/dist/main.js), as Slack and Asana are elsewhere: its work does
 * not delay the load generator's clock in this process.
 */
/** CPU time a process has used so far (user + system, from /proc: Linux only), in ms; NaN when unreadable. */
function cpuMsOf(pid: number | undefined): number {
  try {
    // After the command's closing parenthesis: state is field 3, utime 14 and stime 15 (clock ticks, 100 a second).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

async function startSandboxProcess(): Promise<{ url: string; pid?: number; close: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(ROOT, 'sandbox', 'dist', 'main.js')], {
    // A profiling preload given to the services (BENCH_SERVICE_ENV's NODE_OPTIONS) profiles the sandbox too.
    env: { PATH: process.env.PATH ?? '', SANDBOX_PORT: '0', SANDBOX_HOST: '127.0.0.1', ...profiling() },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const found = /sandbox listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`the sandbox exited with ${code}: ${out}`)));
  });
  return {
    url,
    pid: child.pid,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

type ListedMessage = { ts: string; thread_ts?: string; metadata?: unknown };
type ListedTask = { notes: string; created_at: string };

/** The services whose end-to-end latency histogram the report reads, each for its own stage. */
const HOPS = ['classifier', 'status', 'notifier', 'ticketer'] as const;
const LATENCY = 'switchboard_end_to_end_latency_seconds';

/** Latency percentiles of each hop from its service's histogram, and the share of posts and tasks within 250 ms. */
function hopLatencies(samples: Record<(typeof HOPS)[number], Sample[]>): HopLatencies {
  const quantilesOf = (of: Sample[], stage: string): Latencies => {
    const [p50, p95, p99] = quantiles.map((q) => histogramQuantile(of, LATENCY, q, { stage }));
    return { p50, p95, p99 };
  };
  return {
    slack: quantilesOf(samples.notifier, 'slack_post'),
    asana: quantilesOf(samples.ticketer, 'asana_task'),
    classified: quantilesOf(samples.classifier, 'classified'),
    transcript: quantilesOf(samples.status, 'transcript'),
    slackWithin250ms: shareWithin(samples.notifier, LATENCY, '0.25', { stage: 'slack_post' }),
    asanaWithin250ms: shareWithin(samples.ticketer, LATENCY, '0.25', { stage: 'asana_task' }),
  };
}

async function pipeline(how: Load, conversations: number, variant: Record<string, string> = {}): Promise<PipelineRun> {
  const sandboxProcess = await startSandboxProcess();
  const sandbox = {
    slackApiUrl: `${sandboxProcess.url}/slack/api/`,
    asanaBaseUrl: `${sandboxProcess.url}/asana/api/1.0`,
    read: async <T>(path: string) => (await (await fetch(`${sandboxProcess.url}${path}`)).json()) as T,
  };
  const system = new TestSystem({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_API_URL: sandbox.slackApiUrl,
    ASANA_TOKEN: 'asana-bench',
    ASANA_BASE_URL: sandbox.asanaBaseUrl,
    ASANA_PROJECT_GID: '1200000000000001',
    ASANA_WORKSPACE_GID: '1100000000000001',
    INGRESS_API_KEYS: `bench:${API_KEY}`,
    INGRESS_RATE_PER_SECOND: '0',
    KAFKA_TOPIC_PARTITIONS: '12',
    LOG_LEVEL: 'warn',
    // The bench mode: the notifier's and ticketer's budgets off, so this measures Switchboard, not the vendors.
    ...(BUDGETS_OFF ? { SWITCHBOARD_BUDGETS: 'off', SWITCHBOARD_ENV: 'bench' } : {}),
    ...JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}'),
    ...variant,
  });
  const peakRss: Record<string, number> = {};
  let sampling = true;
  try {
    for (const name of SERVICES) await system.start(name);
    const sampler = (async () => {
      while (sampling) {
        for (const name of SERVICES) {
          const rss = sumOf(await scrape(system, name).catch(() => []), 'process_resident_memory_bytes');
          peakRss[name] = Math.max(peakRss[name] ?? 0, rss);
        }
        await sleep(500);
      }
    })();

    // Each process's CPU time over the run, per event: what it costs whatever the machine's load.
    const pids = (): [string, number | undefined][] => [
      ...SERVICES.map((name): [string, number | undefined] => [name, system.services.get(name)?.process.pid]),
      ['sandbox', sandboxProcess.pid],
    ];
    const cpuBefore = Object.fromEntries(pids().map(([name, pid]) => [name, cpuMsOf(pid)]));
    const url = system.url('ingress', '/v1/events');
    const firstSentAt = new Map<string, number>();
    const startedAt = Date.now();
    const scrapeHops = async () =>
      Object.fromEntries(
        await Promise.all(HOPS.map(async (name) => [name, await scrape(system, name)] as const)),
      ) as Record<(typeof HOPS)[number], Sample[]>;
    const warmedUp = how.kind === 'steady' ? sleep(WARMUP_SECONDS * 1000).then(scrapeHops) : Promise.resolve(undefined);
    await load(how, async (from, count) => {
      const sentAt = Date.now();
      const events = Array.from({ length: count }, (_, i) => {
        const n = from + i;
        const id = `conv-${n % conversations}`;
        if (!firstSentAt.has(`bench:${id}`)) firstSentAt.set(`bench:${id}`, sentAt);
        return {
          conversation_id: id,
          user: { id: `u${n % conversations}`, name: 'Bench' },
          team: { id: 't1', name: 'Bench Inc' },
          text: n % 9 === 0 ? 'I want a refund' : `message ${n}`,
        };
      });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ events }),
      });
      if (res.status !== 202) throw new Error(`ingress answered ${res.status}: ${await res.text()}`);
    });

    const ingestedAt = Date.now();
    // Done when notifier, ticketer and status have each handled every event; each one's own time is kept (and the
    // classifier's, upstream of them). A service counts every event once per consumer of the topic it has.
    let completedAt = 0;
    const drainedAt: Record<string, number> = { ingress: ingestedAt };
    for (;;) {
      const handled = await Promise.all(
        DRAINED.map(async ({ name, topic, consumers }) =>
          Math.floor(
            sumOf(
              await scrape(system, name),
              'switchboard_events_total',
              (labels) => labels.outcome === 'ok' && labels.topic.endsWith(topic),
            ) / consumers,
          ),
        ),
      );
      progress(`  pipeline: ${DRAINED.map(({ name }, i) => `${name} ${handled[i]}`).join(', ')} of ${how.events}`);
      DRAINED.forEach(({ name }, i) => {
        if (handled[i] >= how.events) drainedAt[name] ??= Date.now();
      });
      if (handled.every((n) => n >= how.events)) {
        completedAt = Date.now();
        break;
      }
      await sleep(200);
    }
    const cpuMsPerEvent = Object.fromEntries(
      pids().map(([name, pid]) => [name, (cpuMsOf(pid) - cpuBefore[name]) / how.events]),
    );
    sampling = false;
    await sampler;
    const hops = await scrapeHops();
    const warm = await warmedUp;
    const toRoot: number[] = [];
    for (const m of await sandbox.read<ListedMessage[]>('/_sandbox/slack/messages')) {
      const meta = m.metadata as { event_type?: string; event_payload?: { conversation_id?: string } } | undefined;
      const sent = firstSentAt.get(meta?.event_payload?.conversation_id ?? '');
      if (!m.thread_ts && meta?.event_type === 'switchboard_conversation' && sent)
        toRoot.push(Number(m.ts) - sent / 1000);
    }
    const toTask: number[] = [];
    for (const t of await sandbox.read<ListedTask[]>('/_sandbox/asana/tasks')) {
      const id = conversationInNotes(t.notes);
      const sent = id ? firstSentAt.get(id) : undefined;
      if (sent) toTask.push((Date.parse(t.created_at) - sent) / 1000);
    }
    return {
      eventsPerSecond: how.events / ((completedAt - startedAt) / 1000),
      /** Each consumer service's own rate: every event handled, from the first one posted. */
      perService: Object.fromEntries(
        Object.entries(drainedAt).map(([name, at]) => [name, how.events / ((at - startedAt) / 1000)]),
      ),
      ...hopLatencies(hops),
      ...(warm
        ? {
            afterWarmUp: hopLatencies({
              notifier: since(hops.notifier, warm.notifier),
              ticketer: since(hops.ticketer, warm.ticketer),
              classifier: since(hops.classifier, warm.classifier),
              status: since(hops.status, warm.status),
            }),
          }
        : {}),
      firstToRoot: percentiles(toRoot),
      firstToTask: percentiles(toTask),
      memoryMb: Object.fromEntries(Object.entries(peakRss).map(([k, v]) => [k, Math.round(v / 1e6)])),
      cpuMsPerEvent,
    };
  } finally {
    sampling = false;
    reportWarnings(system);
    await system.stopAll();
    await sandboxProcess.close();
  }
}

/** The services' warnings and errors (LOG_LEVEL=warn), counted by message: a retried batch shows up here. */
function reportWarnings(system: TestSystem): void {
  for (const [name, service] of system.services) {
    const counts = new Map<string, number>();
    for (const line of service.output) {
      const msg = /"msg":"([^"]*)"/.exec(line)?.[1];
      if (msg) counts.set(msg, (counts.get(msg) ?? 0) + 1);
    }
    if (counts.size > 0) console.error(`\n${name}: ${[...counts].map(([msg, n]) => `${n}× ${msg}`).join('; ')}`);
  }
}

/** A run whose stack did not start (a service not ready in time on a busy machine) is tried once more. */
async function once<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    console.error(`\nthe run failed, trying it once more: ${(err as Error).message.split('\n')[0]}`);
    return run();
  }
}

const rounds = (values: number[]) => values.map((v) => v.toFixed(0)).join(' · ');

/** The rounds' table: each run's rate and each service's own, as medians and ratios to the raw baseline. */
function printRounds(raws: RawRun[], wholes: PipelineRun[], variants: PipelineRun[]): void {
  const rawRate = median(raws.map((r) => r.eventsPerSecond));
  const runs: [string, PipelineRun[]][] = [['', wholes]];
  if (variants.length > 0) runs.push([` with ${JSON.stringify(COMPARE_ENV)}`, variants]);
  console.log('\n| events/s (median of rounds) | raw kafkajs | pipeline | ratio | rounds (raw; pipeline) |');
  console.log('|---|---|---|---|---|');
  for (const [label, runsOf] of runs) {
    const rate = median(runsOf.map((w) => w.eventsPerSecond));
    console.log(
      `| whole pipeline${label} | ${rawRate.toFixed(0)} | ${rate.toFixed(0)} | ${(rate / rawRate).toFixed(2)} | ${rounds(raws.map((r) => r.eventsPerSecond))}; ${rounds(runsOf.map((w) => w.eventsPerSecond))} |`,
    );
    for (const name of ['ingress', 'classifier', 'notifier', 'ticketer', 'status']) {
      const own = median(runsOf.map((w) => w.perService[name]));
      console.log(
        `| ${name} alone${label} | ${rawRate.toFixed(0)} | ${own.toFixed(0)} | ${(own / rawRate).toFixed(2)} | ${rounds(runsOf.map((w) => w.perService[name]))} |`,
      );
    }
  }
  const ms = (values: number[]) => values.map((v) => v.toFixed(2)).join(' · ');
  console.log('\n| CPU ms per event (median of rounds) | median | rounds |');
  console.log('|---|---|---|');
  console.log(
    `| raw kafkajs producer + consumer (one process) | ${median(raws.map((r) => r.cpuMsPerEvent)).toFixed(2)} | ${ms(raws.map((r) => r.cpuMsPerEvent))} |`,
  );
  for (const [label, runsOf] of runs)
    for (const name of [...SERVICES, 'sandbox']) {
      const values = runsOf.map((w) => w.cpuMsPerEvent[name]);
      console.log(`| ${name}${label} | ${median(values).toFixed(2)} | ${ms(values)} |`);
    }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function main(): Promise<void> {
  console.log(
    `Switchboard end-to-end benchmark, budgets ${BUDGETS_OFF ? 'off (SWITCHBOARD_BUDGETS=off)' : 'on'}: ${ROUNDS} interleaved rounds of ${EVENTS} events over ${CONVERSATIONS} conversations (batches of ${BATCH}, ${CONCURRENCY} in flight), then ${RATE} events/s for ${RATE_SECONDS} s over ${RATE_CONVERSATIONS} conversations`,
  );
  const raws: RawRun[] = [];
  const wholes: PipelineRun[] = [];
  const variants: PipelineRun[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    progress(`round ${round}: raw kafkajs produce→consume…`);
    raws.push(await rawBaseline(flatOut));
    progress(`round ${round}: whole pipeline…`);
    wholes.push(await once(() => pipeline(flatOut, CONVERSATIONS)));
    if (COMPARE_ENV) {
      progress(`round ${round}: whole pipeline with ${JSON.stringify(COMPARE_ENV)}…`);
      variants.push(await once(() => pipeline(flatOut, CONVERSATIONS, COMPARE_ENV)));
    }
  }
  if (ROUNDS > 0) printRounds(raws, wholes, variants);
  if (RATE_SECONDS <= 0) return;
  progress(`steady ${RATE} events/s: raw kafkajs…`);
  const rawSteady = await rawBaseline(steady);
  progress(`steady ${RATE} events/s: whole pipeline…`);
  const wholeSteady = await once(() => pipeline(steady, RATE_CONVERSATIONS));
  progress('');

  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  console.log(`\n| at ${RATE} events/s | raw kafkajs | pipeline | ratio |`);
  console.log('|---|---|---|---|');
  for (const q of ['p50', 'p95', 'p99'] as const) {
    const raw = rawSteady.latency[q];
    console.log(
      `| ${q} ingest → classified (histogram) | ${ms(raw)} | ${ms(wholeSteady.classified[q])} | ${(wholeSteady.classified[q] / raw).toFixed(1)}× |`,
    );
    console.log(
      `| ${q} ingest → transcript (histogram) | ${ms(raw)} | ${ms(wholeSteady.transcript[q])} | ${(wholeSteady.transcript[q] / raw).toFixed(1)}× |`,
    );
    console.log(
      `| ${q} ingest → Slack post (histogram) | ${ms(raw)} | ${ms(wholeSteady.slack[q])} | ${(wholeSteady.slack[q] / raw).toFixed(1)}× |`,
    );
    console.log(
      `| ${q} ingest → Asana task (histogram) | ${ms(raw)} | ${ms(wholeSteady.asana[q])} | ${(wholeSteady.asana[q] / raw).toFixed(1)}× |`,
    );
    console.log(
      `| ${q} first event sent → root in Slack (sandbox) | ${ms(raw)} | ${ms(wholeSteady.firstToRoot[q])} | ${(wholeSteady.firstToRoot[q] / raw).toFixed(1)}× |`,
    );
    console.log(
      `| ${q} first event sent → task in Asana (sandbox) | ${ms(raw)} | ${ms(wholeSteady.firstToTask[q])} | ${(wholeSteady.firstToTask[q] / raw).toFixed(1)}× |`,
    );
  }
  console.log(
    `\nwithin 250 ms (histogram bucket, exact): Slack posts ${(wholeSteady.slackWithin250ms * 100).toFixed(1)}%, Asana tasks ${(wholeSteady.asanaWithin250ms * 100).toFixed(1)}%; pipeline at the steady load sustained ${wholeSteady.eventsPerSecond.toFixed(0)} events/s`,
  );
  const settled = wholeSteady.afterWarmUp;
  if (settled) {
    console.log(
      `\n| after the first ${WARMUP_SECONDS} s (histograms: observations since) | p50 | p95 | p99 | within 250 ms |`,
    );
    console.log('|---|---|---|---|---|');
    for (const [label, l, within] of [
      ['ingest → classified', settled.classified, undefined],
      ['ingest → transcript', settled.transcript, undefined],
      ['ingest → Slack post', settled.slack, settled.slackWithin250ms],
      ['ingest → Asana task', settled.asana, settled.asanaWithin250ms],
    ] as const)
      console.log(
        `| ${label} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${within === undefined ? '' : `${(within * 100).toFixed(1)}%`} |`,
      );
  }
  const peak: Record<string, number> = {};
  for (const w of [...wholes, wholeSteady])
    for (const [k, v] of Object.entries(w.memoryMb)) peak[k] = Math.max(peak[k] ?? 0, v);
  console.log(
    `peak memory (RSS, MB): ${Object.entries(peak)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );

  const out = join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'pipeline.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        budgets: BUDGETS_OFF ? 'off' : 'on',
        events: EVENTS,
        conversations: CONVERSATIONS,
        rounds: {
          raw: raws,
          pipeline: wholes,
          ...(COMPARE_ENV ? { variant: { env: COMPARE_ENV, pipeline: variants } } : {}),
        },
        steady: {
          perSecond: RATE,
          seconds: RATE_SECONDS,
          warmUpSeconds: WARMUP_SECONDS,
          conversations: RATE_CONVERSATIONS,
          raw: rawSteady,
          pipeline: wholeSteady,
        },
      },
      null,
      2,
    ),
  );
  const series = (name: string, l: Latencies) => ({ name, values: [l.p50, l.p95, l.p99].map((s) => s * 1000) });
  writeFileSync(
    join(out, 'pipeline.svg'),
    barChart({
      title: `Latency from ingest (ms) at ${RATE} events/s — raw kafkajs vs Switchboard, budgets ${BUDGETS_OFF ? 'off' : 'on'}`,
      groups: ['p50', 'p95', 'p99'],
      series: [
        series('raw kafkajs produce→consume', rawSteady.latency),
        series('ingest → Slack post', wholeSteady.slack),
        series('ingest → Asana task', wholeSteady.asana),
      ],
    }),
  );
  console.log(`wrote ${join('bench', 'results', 'pipeline.svg')} and pipeline.json`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
