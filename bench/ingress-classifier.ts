// Benchmark of the front of the pipeline against its baselines, side by side in one run on one broker:
//   raw kafkajs producer (acks=all, batches of B)      vs  ingress POST /v1/events with batches of B
//   bare fastify hello-world, one event per request    vs  ingress, one event per request
//   raw kafkajs consume→produce pipe                   vs  the classifier service (rules + Redis state)
// Each pair runs ROUNDS times, interleaved, and the medians and their ratios are printed: these machines
// are shared and noisy, so ratios of medians are the figures to quote (docs/performance.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createLogger } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { create, MessageEventSchema, timestampNow } from '@switchboard/proto';

const ROOT = join(__dirname, '..', '..', '..');
const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TOTAL = Number(process.env.BENCH_EVENTS ?? 20000);
/** Events pre-filled for the consumer comparisons: enough that a run lasts seconds, not one poll. */
const DRAIN_TOTAL = Number(process.env.BENCH_DRAIN_EVENTS ?? 100000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PARTITIONS = 12;
const BENCH_KEY = 'bench-key-0123456789abcdef';
const quiet = createLogger({ service: 'bench', level: 'silent' });
const kafka = createKafka({ brokers, clientId: 'bench', logger: quiet });

const texts = [
  'hi there',
  'I want a refund for my last invoice',
  'the price went up again, I am thinking to cancel my subscription',
  'can I talk to a human?',
  'thanks 🙏',
];
const eventBody = (i: number) => ({
  conversation_id: `conv-${i % 2000}`,
  platform: 'slack',
  user: { id: `u${i % 2000}`, name: 'Bench User' },
  team: { id: `t${i % 50}`, name: 'Bench Team' },
  text: texts[i % texts.length],
});

const progress = (text: string) => process.stderr.write(`\r\x1b[K${text}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function freshTopics(): Promise<TopicNames> {
  const names = new TopicNames(`bench-${randomUUID().slice(0, 8)}.`);
  await ensureTopics(kafka, names, { partitions: PARTITIONS, replicationFactor: 1 });
  return names;
}

/** Raw kafkajs: TOTAL protobuf events in batches of BATCH, CONNECTIONS sends in flight, acks=all. */
async function rawProducer(): Promise<number> {
  const names = await freshTopics();
  const publisher = new Publisher(kafka, names);
  await publisher.connect();
  const batches = Array.from({ length: Math.ceil(TOTAL / BATCH) }, (_, b) =>
    Array.from({ length: BATCH }, (_, j) => {
      const body = eventBody(b * BATCH + j);
      return {
        key: body.conversation_id,
        value: create(MessageEventSchema, {
          eventId: randomUUID(),
          conversationId: body.conversation_id,
          text: body.text,
          receivedAt: timestampNow(),
        }),
      };
    }),
  );
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < batches.length) await publisher.publish(Topics.raw, batches[next++]);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await publisher.disconnect();
  return TOTAL / seconds;
}

function startServer(mode: 'hello' | 'ingress', prefix: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'dist', 'bench', 'bench-servers.js'), mode, prefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (line: string) => {
      const match = /listening (\d+)/.exec(line);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

async function load(
  port: number,
  body: string,
  options: { amount?: number; duration?: number; connections: number },
): Promise<{ requests: number; seconds: number; non2xx: number }> {
  // autocannon ends on its 1-second sampling ticks: fine for a duration run, too coarse for short amounts.
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/events`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
    body,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
  });
  return {
    requests: result.requests.total,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    non2xx: result.non2xx,
  };
}

/** CONNECTIONS concurrent posters, each sending batches until TOTAL events are in (timed here, exactly). */
async function ingressBatch(): Promise<number> {
  const names = await freshTopics();
  const { child, port } = await startServer('ingress', names.prefix);
  try {
    const body = JSON.stringify({ events: Array.from({ length: BATCH }, (_, i) => eventBody(i)) });
    const post = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
        body,
      });
      if (res.status !== 202) throw new Error(`ingress answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    for (let i = 0; i < 10; i += 1) await post(); // warm-up
    let sent = 0;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (sent < TOTAL) {
          sent += BATCH;
          await post();
        }
      }),
    );
    return sent / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    child.kill('SIGTERM');
  }
}

async function singleEvents(mode: 'hello' | 'ingress'): Promise<number> {
  const names = await freshTopics();
  const { child, port } = await startServer(mode, names.prefix);
  try {
    const body = JSON.stringify(eventBody(1));
    await load(port, body, { amount: 200, connections: 2 });
    const r = await load(port, body, { duration: SECONDS, connections: CONNECTIONS });
    if (r.non2xx > 0) throw new Error(`${mode} answered ${r.non2xx} non-2xx`);
    return r.requests / r.seconds;
  } finally {
    child.kill('SIGTERM');
  }
}

async function fill(names: TopicNames): Promise<void> {
  const publisher = new Publisher(kafka, names);
  await publisher.connect();
  for (let b = 0; b < DRAIN_TOTAL / 500; b += 1) {
    await publisher.publish(
      Topics.raw,
      Array.from({ length: 500 }, (_, j) => {
        const body = eventBody(b * 500 + j);
        return {
          key: body.conversation_id,
          value: create(MessageEventSchema, {
            eventId: randomUUID(),
            conversationId: body.conversation_id,
            text: body.text,
            team: body.team,
            user: body.user,
            receivedAt: timestampNow(),
          }),
        };
      }),
    );
  }
  await publisher.disconnect();
}

/** Waits until the output topic holds DRAIN_TOTAL messages; events/s from the first output to the last. */
async function drainRate(names: TopicNames, label: string): Promise<number> {
  const out = names.name(Topics.classified);
  const admin = kafka.admin();
  await admin.connect();
  let firstAt = 0n;
  let firstCount = 0;
  try {
    for (;;) {
      const n = (await admin.fetchTopicOffsets(out)).reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
      if (n > 0 && firstAt === 0n) {
        firstAt = process.hrtime.bigint();
        firstCount = n;
      }
      progress(`  ${label}: ${n}/${DRAIN_TOTAL}`);
      if (n >= DRAIN_TOTAL) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await admin.disconnect();
  }
  return (DRAIN_TOTAL - firstCount) / Math.max(0.001, Number(process.hrtime.bigint() - firstAt) / 1e9);
}

/** Baseline: a raw kafkajs consumer piping conv.raw to conv.classified unchanged, batch by batch. */
async function rawPipe(): Promise<number> {
  const names = await freshTopics();
  await fill(names);
  const consumer = kafka.consumer({ groupId: `bench-pipe-${randomUUID()}` });
  const producer = kafka.producer({ idempotent: true });
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic: names.name(Topics.raw), fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 4, // as the services do (KAFKA_PARTITIONS_CONCURRENTLY)
    eachBatch: async ({ batch }) => {
      await producer.send({
        topic: names.name(Topics.classified),
        acks: -1,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value })),
      });
    },
  });
  const rate = await drainRate(names, 'raw pipe');
  await consumer.disconnect();
  await producer.disconnect();
  return rate;
}

/** The classifier service itself, as a process, on the same pre-filled topic. */
async function classifier(): Promise<number> {
  const names = await freshTopics();
  await fill(names);
  const child = spawn(process.execPath, [join(ROOT, 'services', 'classifier', 'dist', 'main.js')], {
    env: {
      ...process.env,
      KAFKA_TOPIC_PREFIX: names.prefix,
      REDIS_KEY_PREFIX: `${names.prefix}:`,
      CLASSIFIER_PORT: '0',
      CLASSIFIER_GROUP_ID: `bench-classifier-${randomUUID()}`,
      CLASSIFIER_RULES_FILE: join(ROOT, 'services', 'classifier', 'rules.example.yaml'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    return await drainRate(names, 'classifier');
  } finally {
    child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  console.log(
    `Switchboard ingress + classifier benchmark: ${ROUNDS} rounds; ingress ${TOTAL} events in batches of ${BATCH} and ${SECONDS} s of single events over ${CONNECTIONS} connections; consumers ${DRAIN_TOTAL} events; ${PARTITIONS} partitions`,
  );
  const runs = {
    rawProducer: [] as number[],
    ingressBatch: [] as number[],
    hello: [] as number[],
    ingressSingle: [] as number[],
    rawPipe: [] as number[],
    classifier: [] as number[],
  };
  const steps: [keyof typeof runs, string, () => Promise<number>][] = [
    ['rawProducer', 'raw kafkajs producer', rawProducer],
    ['ingressBatch', 'ingress batches', ingressBatch],
    ['hello', 'fastify hello-world', () => singleEvents('hello')],
    ['ingressSingle', 'ingress single events', () => singleEvents('ingress')],
    ['rawPipe', 'raw consume→produce', rawPipe],
    ['classifier', 'classifier', classifier],
  ];
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const [key, label, run] of steps) {
      progress(`round ${round}/${ROUNDS}: ${label}…`);
      runs[key].push(await run());
    }
  }
  progress('');
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)])) as Record<
    keyof typeof runs,
    number
  >;
  const row = (label: string, key: keyof typeof runs, unit: string) =>
    console.log(
      `${label.padEnd(34)} ${m[key].toFixed(0).padStart(9)} ${unit.padEnd(9)} (runs: ${runs[key].map((x) => x.toFixed(0)).join(', ')})`,
    );
  console.log('\nmedians');
  row('raw kafkajs producer', 'rawProducer', 'events/s');
  row(`ingress, batches of ${BATCH}`, 'ingressBatch', 'events/s');
  row('bare fastify hello-world', 'hello', 'req/s');
  row('ingress, one event per request', 'ingressSingle', 'req/s');
  row('raw kafkajs consume→produce pipe', 'rawPipe', 'events/s');
  row('classifier service', 'classifier', 'events/s');
  console.log('\nratios (of medians)');
  console.log(`ingress batches / raw producer        ${(m.ingressBatch / m.rawProducer).toFixed(2)}`);
  console.log(`ingress single / fastify hello-world  ${(m.ingressSingle / m.hello).toFixed(2)}`);
  console.log(`classifier / raw pipe                 ${(m.classifier / m.rawPipe).toFixed(2)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
