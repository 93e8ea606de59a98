// End-to-end benchmark: the whole pipeline (ingress → classifier → notifier / ticketer / status, the
// services as processes, the sandbox as Slack and Asana with no rate limit of its own) against raw kafkajs
// produce→consume on the same broker, in the same run, as ratios. Reports events/s sustained, latency
// percentiles from ingest to Slack post and to Asana task (from the services' own histograms), and peak
// memory per service; writes a summary table, results JSON and an SVG plot to bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startSandbox } from '@switchboard/sandbox';
import { createLogger } from '@switchboard/core';
import { TopicNames, createKafka, ensureTopics } from '@switchboard/bus';
import { ROOT, TestSystem, type ServiceName } from '../test/support/services';
import { histogramQuantile, parseMetrics, sumOf, type Sample } from './prometheus-text';
import { barChart } from './svg';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 6000);
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 300);
const BATCH = 100;
const CONCURRENCY = 4;
const API_KEY = 'bench-pipeline-key-0123456789';
const SERVICES: ServiceName[] = ['ingress', 'classifier', 'notifier', 'ticketer', 'status'];
const quiet = createLogger({ service: 'bench', level: 'silent' });
const progress = (text: string) => process.stderr.write(`\r\x1b[K${text}`);
const quantiles = [0.5, 0.95, 0.99];

/** Sends EVENTS in batches of BATCH, CONCURRENCY batches in flight; `send(from, count)` sends one. */
async function inBatches(send: (from: number, count: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) {
        const from = next;
        next += BATCH;
        await send(from, Math.min(BATCH, EVENTS - from));
      }
    }),
  );
}

interface Latencies {
  p50: number;
  p95: number;
  p99: number;
}

/** Raw kafkajs: produce EVENTS in batches of BATCH with send times inside, consume in a group. */
async function rawBaseline(): Promise<{ eventsPerSecond: number; latency: Latencies }> {
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
        for (const m of batch.messages) latencies.push(now - Number(m.headers?.sent?.toString()));
        lastAt = now;
        if (latencies.length >= EVENTS) resolve();
      },
    });
  });
  await new Promise((r) => setTimeout(r, 3000)); // let the group settle before the clock starts
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const startedAt = Date.now();
  await inBatches(async (from, count) => {
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
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] / 1000;
  return {
    eventsPerSecond: EVENTS / ((lastAt - startedAt) / 1000),
    latency: { p50: at(0.5), p95: at(0.95), p99: at(0.99) },
  };
}

async function scrape(system: TestSystem, name: ServiceName): Promise<Sample[]> {
  return parseMetrics(await (await fetch(system.url(name, '/metrics'))).text());
}

async function pipeline(): Promise<{
  eventsPerSecond: number;
  perService: Record<string, number>;
  slack: Latencies;
  asana: Latencies;
  memoryMb: Record<string, number>;
}> {
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
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
    // Our own Slack/Asana budgets lifted: this measures Switchboard, not Slack's or Asana's limits.
    ...JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}'),
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
        await new Promise((r) => setTimeout(r, 500));
      }
    })();

    const url = system.url('ingress', '/v1/events');
    const startedAt = Date.now();
    await inBatches(async (from, count) => {
      const events = Array.from({ length: count }, (_, i) => {
        const n = from + i;
        return {
          conversation_id: `conv-${n % CONVERSATIONS}`,
          user: { id: `u${n % CONVERSATIONS}`, name: 'Bench' },
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

    // Done when notifier, ticketer and status have each handled every event; each one's own time is kept.
    let completedAt = 0;
    const drainedAt: Record<string, number> = {};
    for (;;) {
      const handled = await Promise.all(
        (['notifier', 'ticketer', 'status'] as const).map(async (name) =>
          sumOf(
            await scrape(system, name),
            'switchboard_events_total',
            (labels) => labels.outcome === 'ok' && labels.topic.endsWith('conv.classified'),
          ),
        ),
      );
      progress(`  pipeline: notifier ${handled[0]}, ticketer ${handled[1]}, status ${handled[2]} of ${EVENTS}`);
      (['notifier', 'ticketer', 'status'] as const).forEach((name, i) => {
        if (handled[i] >= EVENTS) drainedAt[name] ??= Date.now();
      });
      if (handled.every((n) => n >= EVENTS)) {
        completedAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    sampling = false;
    await sampler;
    const latencyOf = async (name: ServiceName, stage: string): Promise<Latencies> => {
      const samples = await scrape(system, name);
      const [p50, p95, p99] = quantiles.map((q) =>
        histogramQuantile(samples, 'switchboard_end_to_end_latency_seconds', q, { stage }),
      );
      return { p50, p95, p99 };
    };
    return {
      eventsPerSecond: EVENTS / ((completedAt - startedAt) / 1000),
      /** Each consumer service's own rate: every event handled, from the first one posted. */
      perService: Object.fromEntries(
        Object.entries(drainedAt).map(([name, at]) => [name, EVENTS / ((at - startedAt) / 1000)]),
      ),
      slack: await latencyOf('notifier', 'slack_post'),
      asana: await latencyOf('ticketer', 'asana_task'),
      memoryMb: Object.fromEntries(Object.entries(peakRss).map(([k, v]) => [k, Math.round(v / 1e6)])),
    };
  } finally {
    sampling = false;
    await system.stopAll();
    await sandbox.close();
  }
}

async function main(): Promise<void> {
  console.log(
    `Switchboard end-to-end benchmark: ${EVENTS} events over ${CONVERSATIONS} conversations, batches of ${BATCH}, ${CONCURRENCY} concurrent requests`,
  );
  progress('raw kafkajs produce→consume…');
  const raw = await rawBaseline();
  progress('whole pipeline…');
  const whole = await pipeline();
  progress('');
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  console.log('\n| measure | raw kafkajs | pipeline | ratio |');
  console.log('|---|---|---|---|');
  console.log(
    `| events/s | ${raw.eventsPerSecond.toFixed(0)} | ${whole.eventsPerSecond.toFixed(0)} | ${(whole.eventsPerSecond / raw.eventsPerSecond).toFixed(2)} |`,
  );
  for (const [name, rate] of Object.entries(whole.perService)) {
    console.log(
      `| events/s, ${name} alone | ${raw.eventsPerSecond.toFixed(0)} | ${rate.toFixed(0)} | ${(rate / raw.eventsPerSecond).toFixed(2)} |`,
    );
  }
  for (const q of ['p50', 'p95', 'p99'] as const) {
    console.log(
      `| ${q} ingest → Slack post | ${ms(raw.latency[q])} | ${ms(whole.slack[q])} | ${(whole.slack[q] / raw.latency[q]).toFixed(1)}× |`,
    );
  }
  for (const q of ['p50', 'p95', 'p99'] as const)
    console.log(
      `| ${q} ingest → Asana task | ${ms(raw.latency[q])} | ${ms(whole.asana[q])} | ${(whole.asana[q] / raw.latency[q]).toFixed(1)}× |`,
    );
  console.log(
    `\npeak memory (RSS, MB): ${Object.entries(whole.memoryMb)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );

  const out = join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'pipeline.json'),
    JSON.stringify(
      { at: new Date().toISOString(), events: EVENTS, conversations: CONVERSATIONS, raw, pipeline: whole },
      null,
      2,
    ),
  );
  writeFileSync(
    join(out, 'pipeline.svg'),
    barChart({
      title: `Latency from ingest (ms), ${EVENTS} events — raw kafkajs vs Switchboard`,
      groups: ['p50', 'p95', 'p99'],
      series: [
        {
          name: 'raw kafkajs produce→consume',
          values: [raw.latency.p50, raw.latency.p95, raw.latency.p99].map((s) => s * 1000),
        },
        {
          name: 'ingest → Slack post',
          values: [whole.slack.p50, whole.slack.p95, whole.slack.p99].map((s) => s * 1000),
        },
        {
          name: 'ingest → Asana task',
          values: [whole.asana.p50, whole.asana.p95, whole.asana.p99].map((s) => s * 1000),
        },
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
