// Benchmark of the front of the pipeline against its baselines, side by side in one run on one broker:
//   raw producer (acks=all, batches of B)               vs  ingress POST /v1/events with batches of B
//   bare fastify hello-world, one event per request     vs  ingress, one event per request, at each of
//                                                           BENCH_CONNECTIONS (a list: "64,256")
//   raw kafkajs consume→produce pipe                    vs  the classifier service (rules + Redis state)
// KAFKA_CLIENT (kafkajs|platformatic, or both: "kafkajs,platformatic", measured side by side in each round)
// picks the library of the raw producer and of ingress's publisher;
// BENCH_PARTS (ingress,single,classifier) picks what runs. BENCH_BEFORE_DIST (an earlier build, see
// bench-servers.ts) adds that build's ingress to every ingress measurement, for before/after in one run.
// Each pair runs ROUNDS times, interleaved, and the medians and their ratios are printed: these machines
// are shared and noisy, so ratios of medians are the figures to quote (docs/performance.md). Beside each
// rate, the CPU time the measured process spent per 1,000 events (the server's, from /proc: Linux only; the
// raw producer's own process.cpuUsage): a cost that the machine's load moves far less than a rate.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { KAFKA_CLIENTS, createLogger, type KafkaClientKind } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { create, MessageEventSchema, timestampNow } from '@switchboard/proto';

const ROOT = join(__dirname, '..', '..', '..');
const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TOTAL = Number(process.env.BENCH_EVENTS ?? 20000);
/** Events pre-filled for the consumer comparisons: enough that a run lasts seconds, not one poll. */
const DRAIN_TOTAL = Number(process.env.BENCH_DRAIN_EVENTS ?? 100000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
/** Connections of the single-event comparison, one pair of measurements each; the first also posts batches. */
const CONNECTION_COUNTS = (process.env.BENCH_CONNECTIONS ?? '64,256').split(',').map(Number);
const CONNECTIONS = CONNECTION_COUNTS[0];
const PARTS = new Set((process.env.BENCH_PARTS ?? 'ingress,single,classifier').split(','));
const CLIENTS = (process.env.KAFKA_CLIENT || 'kafkajs').split(',') as KafkaClientKind[];
if (!CLIENTS.every((c) => KAFKA_CLIENTS.includes(c)))
  throw new Error(`KAFKA_CLIENT must be one or more of ${KAFKA_CLIENTS.join(', ')}`);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PARTITIONS = 12;
const BENCH_KEY = 'bench-key-0123456789abcdef';
const quiet = createLogger({ service: 'bench', level: 'silent' });
const kafkaOf = (client: KafkaClientKind) => createKafka({ brokers, clientId: 'bench', logger: quiet, client });
/** Admin, consumers and the baselines of the classifier comparison. */
const kafka = kafkaOf(CLIENTS[0]);

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

/** CPU ms per 1,000 events of the last measurement that had a process of its own to measure. */
let lastCpu: number | undefined;
/** A process's user + system CPU time in ms (fields 14 and 15 of /proc/<pid>/stat, in 100 Hz ticks). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const progress = (text: string) => process.stderr.write(`\r\x1b[K${text}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Topics a measurement made, deleted after it: a broker holding thousands of bench partitions runs out of heap. */
const created: TopicNames[] = [];

async function freshTopics(): Promise<TopicNames> {
  const names = new TopicNames(`bench-${randomUUID().slice(0, 8)}.`);
  await ensureTopics(kafka, names, { partitions: PARTITIONS, replicationFactor: 1 });
  created.push(names);
  return names;
}

async function dropTopics(): Promise<void> {
  const topics = created.splice(0).flatMap((names) => names.all());
  if (topics.length === 0) return;
  const client = kafka.admin();
  await client.connect();
  try {
    await client.deleteTopics({ topics, timeout: 30000 });
  } finally {
    await client.disconnect();
  }
}

/** The raw producer (the Publisher on `client`): TOTAL protobuf events in batches of BATCH, CONNECTIONS sends in flight, acks=all. */
async function rawProducer(client: KafkaClientKind): Promise<number> {
  const names = await freshTopics();
  const publisher = new Publisher(kafkaOf(client), names);
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
  const cpuBefore = process.cpuUsage();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < batches.length) await publisher.publish(Topics.raw, batches[next++]);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  lastCpu = (cpu.user + cpu.system) / 1000 / (TOTAL / 1000);
  await publisher.disconnect();
  return TOTAL / seconds;
}

type ServerMode = 'hello' | 'ingress' | 'ingress-before';
/** Requests answered other than 2xx (503: Kafka did not acknowledge in time), by server; rates count 2xx only. */
const refused = new Map<string, number>();
const BEFORE = Boolean(process.env.BENCH_BEFORE_DIST);

/** An ingress to measure: this build on one of the libraries, or the earlier build (BENCH_BEFORE_DIST). */
interface Variant {
  key: string;
  label: string;
  mode: ServerMode;
  client: KafkaClientKind;
}
const VARIANTS: Variant[] = [
  ...CLIENTS.map((client) => ({
    key: CLIENTS.length > 1 ? `:${client}` : '',
    label: CLIENTS.length > 1 ? ` (${client})` : '',
    mode: 'ingress' as const,
    client,
  })),
  ...(BEFORE ? [{ key: ':before', label: ' (before)', mode: 'ingress-before' as const, client: CLIENTS[0] }] : []),
];

function startServer(
  mode: ServerMode,
  prefix: string,
  client: KafkaClientKind = CLIENTS[0],
): Promise<{ child: ChildProcess; port: number }> {
  const profile =
    process.env.BENCH_CPU_PROF && mode !== 'hello'
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : [];
  const child = spawn(
    process.execPath,
    [...profile, join(ROOT, 'bench', 'dist', 'bench', 'bench-servers.js'), mode, prefix],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, KAFKA_CLIENT: client },
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (line: string) => {
      const match = /listening (\d+)/.exec(line);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}

/** Stops a server and waits for it to be gone: the next measurement must not share the CPU with its exit. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await gone;
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
async function ingressBatch(mode: ServerMode, client: KafkaClientKind): Promise<number> {
  const names = await freshTopics();
  const { child, port } = await startServer(mode, names.prefix, client);
  try {
    const body = JSON.stringify({ events: Array.from({ length: BATCH }, (_, i) => eventBody(i)) });
    /** True when accepted; a 503 (no acknowledgement in time) is counted, not fatal. */
    const post = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_KEY}` },
        body,
      });
      if (res.status !== 202 && res.status !== 503)
        throw new Error(`ingress answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      if (res.status === 503) refused.set(`${mode} ${client}`, (refused.get(`${mode} ${client}`) ?? 0) + 1);
      return res.status === 202;
    };
    for (let i = 0; i < 10; i += 1) await post(); // warm-up
    let sent = 0;
    let accepted = 0;
    const started = process.hrtime.bigint();
    const cpuBefore = cpuMsOf(child.pid!);
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (sent < TOTAL) {
          sent += BATCH;
          if (await post()) accepted += BATCH;
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    lastCpu = (cpuMsOf(child.pid!) - cpuBefore) / (accepted / 1000);
    return accepted / seconds;
  } finally {
    await stop(child);
  }
}

async function singleEvents(mode: ServerMode, connections: number, client?: KafkaClientKind): Promise<number> {
  const names = await freshTopics();
  const { child, port } = await startServer(mode, names.prefix, client);
  try {
    const body = JSON.stringify(eventBody(1));
    await load(port, body, { amount: 200, connections: 2 });
    const cpuBefore = cpuMsOf(child.pid!);
    const r = await load(port, body, { duration: SECONDS, connections });
    lastCpu = (cpuMsOf(child.pid!) - cpuBefore) / ((r.requests - r.non2xx) / 1000);
    if (r.non2xx > 0) refused.set(`${mode} ${client ?? ''}`, (refused.get(`${mode} ${client ?? ''}`) ?? 0) + r.non2xx);
    return (r.requests - r.non2xx) / r.seconds;
  } finally {
    await stop(child);
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
    `Switchboard ingress + classifier benchmark (${CLIENTS.join(' and ')}): ${ROUNDS} rounds; ingress ${TOTAL} events in batches of ${BATCH} over ${CONNECTIONS} posters, ${SECONDS} s of single events over ${CONNECTION_COUNTS.join(' and ')} connections; consumers ${DRAIN_TOTAL} events; ${PARTITIONS} partitions`,
  );
  const steps: [string, string, () => Promise<number>][] = [];
  const suffix = (client: KafkaClientKind) => (CLIENTS.length > 1 ? `:${client}` : '');
  if (PARTS.has('ingress')) {
    for (const client of CLIENTS)
      steps.push([`rawProducer${suffix(client)}`, `raw ${client} producer`, () => rawProducer(client)]);
    for (const v of VARIANTS)
      steps.push([`ingressBatch${v.key}`, `ingress batches${v.label}`, () => ingressBatch(v.mode, v.client)]);
  }
  if (PARTS.has('single'))
    for (const c of CONNECTION_COUNTS) {
      steps.push([`hello${c}`, `fastify hello-world, ${c} connections`, () => singleEvents('hello', c)]);
      for (const v of VARIANTS)
        steps.push([
          `ingressSingle${c}${v.key}`,
          `ingress single events${v.label}, ${c} connections`,
          () => singleEvents(v.mode, c, v.client),
        ]);
    }
  if (PARTS.has('classifier'))
    steps.push(['rawPipe', 'raw consume→produce', rawPipe], ['classifier', 'classifier', classifier]);
  const runs: Record<string, number[]> = Object.fromEntries(steps.map(([key]) => [key, []]));
  const cpuRuns: Record<string, number[]> = {};
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const [key, label, run] of steps) {
      progress(`round ${round}/${ROUNDS}: ${label}…`);
      lastCpu = undefined;
      runs[key].push(await run());
      if (lastCpu !== undefined) (cpuRuns[key] ??= []).push(lastCpu);
      await dropTopics();
    }
  }
  progress('');
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  const row = (label: string, key: string, unit: string) =>
    key in runs &&
    console.log(
      `${label.padEnd(48)} ${m[key].toFixed(0).padStart(9)} ${unit.padEnd(9)} (runs: ${runs[key].map((x) => x.toFixed(0)).join(', ')})`,
    );
  // Also the median of each round's own ratio: the machine's load moves a pair together within a round.
  const ratio = (label: string, a: string, b: string) =>
    a in m &&
    b in m &&
    console.log(
      `${label.padEnd(54)} ${(m[a] / m[b]).toFixed(2)}   (per round: median ${median(runs[a].map((x, i) => x / runs[b][i])).toFixed(2)})`,
    );
  console.log('\nmedians');
  for (const client of CLIENTS) row(`raw ${client} producer`, `rawProducer${suffix(client)}`, 'events/s');
  for (const v of VARIANTS) row(`ingress${v.label}, batches of ${BATCH}`, `ingressBatch${v.key}`, 'events/s');
  for (const c of CONNECTION_COUNTS) {
    row(`bare fastify hello-world, ${c} conn.`, `hello${c}`, 'req/s');
    for (const v of VARIANTS) row(`ingress${v.label}, single events, ${c} conn.`, `ingressSingle${c}${v.key}`, 'req/s');
  }
  row('raw kafkajs consume→produce pipe', 'rawPipe', 'events/s');
  row('classifier service', 'classifier', 'events/s');
  if (refused.size > 0)
    console.log(`\nrequests not accepted (503), all rounds: ${[...refused].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  console.log('\nratios (of medians)');
  for (const v of VARIANTS)
    ratio(`ingress${v.label} batches / raw producer`, `ingressBatch${v.key}`, `rawProducer${suffix(v.client)}`);
  for (const c of CONNECTION_COUNTS)
    for (const v of VARIANTS)
      ratio(`ingress${v.label} single / hello-world, ${c} conn.`, `ingressSingle${c}${v.key}`, `hello${c}`);
  if (CLIENTS.length > 1) {
    const [a, b] = [CLIENTS[1], CLIENTS[0]];
    ratio(`raw producer, ${a} / ${b}`, `rawProducer:${a}`, `rawProducer:${b}`);
    ratio(`ingress batches, ${a} / ${b}`, `ingressBatch:${a}`, `ingressBatch:${b}`);
    for (const c of CONNECTION_COUNTS)
      ratio(`ingress single, ${c} conn., ${a} / ${b}`, `ingressSingle${c}:${a}`, `ingressSingle${c}:${b}`);
  }
  ratio('classifier / raw pipe', 'classifier', 'rawPipe');
  // CPU per 1,000 events: lower is better, so the ratios read "times the baseline's cost".
  console.log('\nCPU of the measured process, ms per 1,000 events (requests for single events); medians');
  for (const [key, xs] of Object.entries(cpuRuns))
    console.log(
      `${key.padEnd(40)} ${median(xs).toFixed(0).padStart(6)}   (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`,
    );
  const cpuRatio = (label: string, a: string, b: string) =>
    a in cpuRuns &&
    b in cpuRuns &&
    console.log(
      `${label.padEnd(54)} ${(median(cpuRuns[a]) / median(cpuRuns[b])).toFixed(2)}   (per round: median ${median(cpuRuns[a].map((x, i) => x / cpuRuns[b][i])).toFixed(2)})`,
    );
  console.log('\nCPU ratios (of medians)');
  for (const v of VARIANTS) {
    cpuRatio(`ingress${v.label} batches / raw producer`, `ingressBatch${v.key}`, `rawProducer${suffix(v.client)}`);
    for (const c of CONNECTION_COUNTS)
      cpuRatio(`ingress${v.label} single / hello-world, ${c} conn.`, `ingressSingle${c}${v.key}`, `hello${c}`);
  }
  if (BEFORE) {
    cpuRatio('ingress batches, this build / before', 'ingressBatch', 'ingressBatch:before');
    for (const c of CONNECTION_COUNTS)
      cpuRatio(`ingress single, ${c} conn., this build / before`, `ingressSingle${c}`, `ingressSingle${c}:before`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
