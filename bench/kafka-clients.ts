// The two Kafka client libraries behind packages/bus, side by side in one run on one broker (KAFKA_CLIENT):
//   produce, batches: the Publisher (idempotent, acks=all) sending BENCH_EVENTS in batches of BENCH_BATCH,
//                     BENCH_POSTERS at a time (what ingress does with batches)
//   produce, single:  BENCH_SINGLE_CALLERS callers each publishing one event at a time (ingress's single
//                     events: group commit makes the sends)
//   consume:          a plain consumer of each library (new group, from the beginning) reading
//                     BENCH_CONSUME_EVENTS pre-filled events, no handling (the ceiling of BusConsumer)
//   bus consume:      BusConsumer on each library reading the same events (decode, a handler that does
//                     nothing, offsets committed once handled): one by one, and in lanes as the notifier runs
// Every figure runs BENCH_ROUNDS times, the libraries interleaved; medians and ratios are printed.
// BENCH_PRODUCE=0 leaves out the produce figures.
import { randomUUID } from 'node:crypto';
import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { createLogger, createMetrics, type KafkaClientKind } from '@switchboard/core';
import {
  BusConsumer,
  Publisher,
  TopicNames,
  Topics,
  createKafka,
  ensureTopics,
  inLanes,
  type BusKafka,
  type Handler,
} from '@switchboard/bus';
import { create, MessageEventSchema, timestampNow } from '@switchboard/proto';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TOTAL = Number(process.env.BENCH_EVENTS ?? 50000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const POSTERS = Number(process.env.BENCH_POSTERS ?? 8);
const SINGLE_CALLERS = Number(process.env.BENCH_SINGLE_CALLERS ?? 64);
const SINGLE_TOTAL = Number(process.env.BENCH_SINGLE_EVENTS ?? 20000);
const CONSUME_TOTAL = Number(process.env.BENCH_CONSUME_EVENTS ?? 100000);
/** BENCH_PRODUCE=0 measures only the consumers. */
const PRODUCE = process.env.BENCH_PRODUCE !== '0';
const PARTITIONS = 12;
const CLIENTS: KafkaClientKind[] = ['kafkajs', 'platformatic'];
const quiet = createLogger({ service: 'bench', level: 'silent' });
const kafkaOf = (client: KafkaClientKind): BusKafka =>
  createKafka({ brokers, clientId: `bench-${client}`, logger: quiet, client });
const admin = kafkaOf('kafkajs');

const progress = (text: string) => process.stderr.write(`\r\x1b[K${text}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

const event = (i: number) => ({
  key: `bench:conv-${i % 2000}`,
  value: create(MessageEventSchema, {
    eventId: randomUUID(),
    conversationId: `bench:conv-${i % 2000}`,
    text: 'I want a refund for my last invoice',
    team: { id: `t${i % 50}`, name: 'Bench Team' },
    user: { id: `u${i % 2000}`, name: 'Bench User' },
    receivedAt: timestampNow(),
  }),
});

/** Topics a measurement made, deleted after it: a broker holding thousands of bench partitions runs out of heap. */
const created: TopicNames[] = [];

async function freshTopics(): Promise<TopicNames> {
  const names = new TopicNames(`bench-clients-${randomUUID().slice(0, 8)}.`);
  await ensureTopics(admin, names, { partitions: PARTITIONS, replicationFactor: 1 });
  created.push(names);
  return names;
}

async function dropTopics(): Promise<void> {
  const topics = created.splice(0).flatMap((names) => names.all());
  if (topics.length === 0) return;
  const client = admin.admin();
  await client.connect();
  try {
    await client.deleteTopics({ topics, timeout: 30000 });
  } finally {
    await client.disconnect();
  }
}

/** Events/s of `callers` callers each awaiting `publish(size)` until `total` events are in. */
async function produce(client: KafkaClientKind, total: number, size: number, callers: number): Promise<number> {
  const names = await freshTopics();
  const publisher = new Publisher(kafkaOf(client), names);
  await publisher.connect();
  const batches = Array.from({ length: Math.ceil(total / size) }, (_, b) =>
    Array.from({ length: size }, (_, j) => event(b * size + j)),
  );
  await publisher.publish(Topics.raw, batches[0]); // connection and producer id before the clock starts
  let next = 1;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < batches.length) await publisher.publish(Topics.raw, batches[next++]);
    }),
  );
  const rate = ((batches.length - 1) * size) / seconds(started);
  await publisher.disconnect();
  return rate;
}

async function fill(names: TopicNames): Promise<void> {
  const publisher = new Publisher(kafkaOf('kafkajs'), names);
  await publisher.connect();
  for (let b = 0; b < CONSUME_TOTAL / 500; b += 1)
    await publisher.publish(
      Topics.raw,
      Array.from({ length: 500 }, (_, j) => event(b * 500 + j)),
    );
  await publisher.disconnect();
}

/** A kafkajs consumer as BusConsumer runs one: eachBatch, 4 partitions at once. Events/s from the first. */
async function consumeKafkajs(topic: string): Promise<number> {
  const consumer = admin.consumer({ groupId: `bench-read-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0n;
  await new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        if (started === 0n) started = process.hrtime.bigint();
        seen += batch.messages.length;
        if (seen >= CONSUME_TOTAL) resolve();
      },
    });
  });
  const rate = CONSUME_TOTAL / seconds(started);
  await consumer.disconnect();
  return rate;
}

/** A @platformatic/kafka consumer's message stream, from the earliest offset. Events/s from the first. */
async function consumePlatformatic(topic: string): Promise<number> {
  const consumer = new Consumer({
    clientId: 'bench-read',
    bootstrapBrokers: brokers,
    groupId: `bench-read-${randomUUID()}`,
  });
  const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  let seen = 0;
  let started = 0n;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', () => {
      if (started === 0n) started = process.hrtime.bigint();
      seen += 1;
      if (seen === CONSUME_TOTAL) resolve();
    });
    stream.once('error', reject);
  });
  const rate = CONSUME_TOTAL / seconds(started);
  await stream.close();
  await consumer.close(true);
  return rate;
}

/**
 * BusConsumer on `client` (new group, from the beginning) with a handler that only counts, one by one or in
 * lanes of 16 conversations as the notifier runs it. Events/s from the first handled to the last.
 */
async function consumeBus(client: KafkaClientKind, names: TopicNames, lanes: boolean): Promise<number> {
  const kafka = kafkaOf(client);
  let seen = 0;
  let started = 0n;
  let allSeen!: () => void;
  const done = new Promise<void>((resolve) => (allSeen = resolve));
  const handler: Handler<typeof MessageEventSchema> = async () => {
    if (started === 0n) started = process.hrtime.bigint();
    seen += 1;
    if (seen === CONSUME_TOTAL) allSeen();
  };
  const consumer = new BusConsumer({
    kafka,
    names,
    groupId: `bench-bus-${randomUUID()}`,
    topic: Topics.raw,
    // Only a dead letter would publish, and a handler that cannot fail makes none.
    publisher: new Publisher(kafka, names),
    logger: quiet,
    metrics: createMetrics('bench'),
    handler,
    ...(lanes ? { batchHandler: inLanes(handler, { concurrency: 16 }) } : {}),
  });
  await consumer.start();
  await done;
  const rate = CONSUME_TOTAL / seconds(started);
  await consumer.stop();
  return rate;
}

async function main(): Promise<void> {
  console.log(
    `Kafka client libraries: ${ROUNDS} rounds; produce ${TOTAL} events in batches of ${BATCH} over ${POSTERS} callers, ${SINGLE_TOTAL} single events over ${SINGLE_CALLERS} callers; consume ${CONSUME_TOTAL} events; ${PARTITIONS} partitions`,
  );
  const runs: Record<string, number[]> = {};
  const record = (key: string, value: number) => (runs[key] ??= []).push(value);
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const client of PRODUCE ? CLIENTS : []) {
      progress(`round ${round}/${ROUNDS}: ${client} produce, batches…`);
      record(`batches ${client}`, await produce(client, TOTAL, BATCH, POSTERS));
      await dropTopics();
    }
    for (const client of PRODUCE ? CLIENTS : []) {
      progress(`round ${round}/${ROUNDS}: ${client} produce, single events…`);
      record(`single ${client}`, await produce(client, SINGLE_TOTAL, 1, SINGLE_CALLERS));
      await dropTopics();
    }
    progress(`round ${round}/${ROUNDS}: filling…`);
    const names = await freshTopics();
    await fill(names);
    // Each reads the same filled topic with a group of its own; the order alternates between rounds.
    for (const client of round % 2 === 1 ? CLIENTS : [...CLIENTS].reverse()) {
      progress(`round ${round}/${ROUNDS}: ${client} consume…`);
      const topic = names.name(Topics.raw);
      record(
        `consume ${client}`,
        client === 'kafkajs' ? await consumeKafkajs(topic) : await consumePlatformatic(topic),
      );
      progress(`round ${round}/${ROUNDS}: ${client} BusConsumer…`);
      record(`bus ${client}`, await consumeBus(client, names, false));
      progress(`round ${round}/${ROUNDS}: ${client} BusConsumer in lanes…`);
      record(`lanes ${client}`, await consumeBus(client, names, true));
    }
    await dropTopics();
  }
  progress('');
  console.log('\nmedians, events/s');
  for (const [key, values] of Object.entries(runs))
    console.log(
      `${key.padEnd(24)} ${median(values).toFixed(0).padStart(9)}  (runs: ${values.map((x) => x.toFixed(0)).join(', ')})`,
    );
  // The machine's load moves both libraries' figures together within a round, so the per-round ratios
  // are steadier than the ratio of the medians: both are printed.
  console.log('\nplatformatic / kafkajs    ratio of medians   median of per-round ratios');
  for (const figure of ['batches', 'single', 'consume', 'bus', 'lanes']) {
    const a = runs[`${figure} platformatic`];
    const b = runs[`${figure} kafkajs`];
    if (!a || !b) continue;
    const perRound = median(a.map((x, i) => x / b[i]));
    console.log(
      `${figure.padEnd(24)} ${(median(a) / median(b)).toFixed(2).padStart(17)} ${perRound.toFixed(2).padStart(28)}`,
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
