// Dead-letter topics, read and re-driven: `switchboard dlq list` shows what is in a DLQ and why;
// `switchboard dlq replay` publishes each message back to the topic it came from (original key, value
// and headers, minus the x-dlq-* ones) for the one consumer group that dead-lettered it (the other groups
// on that topic skip the copy: they handled the original), and commits its progress in a consumer group of
// its own, so a replay interrupted half-way resumes where it stopped and a message is re-driven once.
import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DLQ_SUFFIX, DlqHeader, REPLAY_FOR_HEADER } from '@switchboard/bus';

export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  originalTopic: string;
  reason: string;
  error: string;
  /** The consumer group that failed on it: the one a replay is meant for. */
  consumerGroup: string;
  failedAt: string;
  size: number;
}

export const REPLAY_GROUP = 'switchboard-dlq-replay';

const text = (value: IHeaders[string]): string =>
  Array.isArray(value) ? String(value[0] ?? '') : value === undefined ? '' : String(value);

export function describe(partition: number, message: KafkaMessage): DeadLetter {
  const h = message.headers ?? {};
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    originalTopic: text(h[DlqHeader.originalTopic]),
    reason: text(h[DlqHeader.reason]),
    error: text(h[DlqHeader.error]),
    consumerGroup: text(h[DlqHeader.consumerGroup]),
    failedAt: text(h[DlqHeader.failedAt]),
    size: message.value?.length ?? 0,
  };
}

/** The headers to re-publish with: the message's own, without what the DLQ or an earlier replay added. */
export function originalHeaders(headers: IHeaders | undefined): IHeaders {
  const added = new Set<string>([...Object.values(DlqHeader), REPLAY_FOR_HEADER]);
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !added.has(name)));
}

/** The headers of a replayed copy: the original ones, addressed to the group that failed (when known). */
export function replayHeaders(headers: IHeaders | undefined): IHeaders {
  const group = text(headers?.[DlqHeader.consumerGroup]);
  return { ...originalHeaders(headers), ...(group ? { [REPLAY_FOR_HEADER]: group } : {}) };
}

export function dlqTopicOf(topic: string): string {
  return topic.endsWith(DLQ_SUFFIX) ? topic : topic + DLQ_SUFFIX;
}

/** Per partition: where reading starts (the group's committed offset, else the oldest kept) and the end. */
async function bounds(
  kafka: Kafka,
  topic: string,
  groupId?: string,
): Promise<Map<number, { start: bigint; end: bigint }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const committed = groupId ? ((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? []) : [];
    return new Map(
      offsets.map((o) => {
        const done = committed.find((c) => c.partition === o.partition)?.offset;
        const start = done !== undefined && done !== '-1' ? BigInt(done) : BigInt(o.low);
        return [o.partition, { start: start > BigInt(o.low) ? start : BigInt(o.low), end: BigInt(o.high) }];
      }),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads a DLQ up to its end as of now and calls `visit` for each message. With `groupId`, starts from the
 * group's committed position and commits after each visit; without, reads from the oldest, commits nothing.
 */
async function readUpToEnd(
  kafka: Kafka,
  topic: string,
  visit: (partition: number, m: KafkaMessage) => Promise<boolean>,
  groupId?: string,
): Promise<void> {
  const limits = await bounds(kafka, topic, groupId);
  const remaining = new Set([...limits].filter(([, b]) => b.start < b.end).map(([p]) => p));
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({
    groupId: groupId ?? `switchboard-dlq-list-${randomUUID()}`,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let stop = false;
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (stop || !remaining.has(partition)) return;
            const keepGoing = await visit(partition, message);
            const next = BigInt(message.offset) + 1n;
            if (groupId) await consumer.commitOffsets([{ topic, partition, offset: next.toString() }]);
            if (next >= (limits.get(partition)?.end ?? 0n)) remaining.delete(partition);
            if (!keepGoing) stop = true;
            if (stop || remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

export async function listDeadLetters(kafka: Kafka, topic: string, limit = 100): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  await readUpToEnd(kafka, dlqTopicOf(topic), async (partition, message) => {
    letters.push(describe(partition, message));
    return letters.length < limit;
  });
  return letters;
}

export interface ReplayResult {
  replayed: number;
}

/** Re-publishes every message of the DLQ not yet replayed by `groupId` to its original topic. */
export async function replayDeadLetters(
  kafka: Kafka,
  topic: string,
  options: { limit?: number; dryRun?: boolean; groupId?: string } = {},
): Promise<ReplayResult> {
  const dlq = dlqTopicOf(topic);
  const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  await producer.connect();
  const result: ReplayResult = { replayed: 0 };
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  try {
    await readUpToEnd(
      kafka,
      dlq,
      async (partition, message) => {
        const letter = describe(partition, message);
        const target = letter.originalTopic || dlq.slice(0, -DLQ_SUFFIX.length);
        if (!options.dryRun)
          await producer.send({
            topic: target,
            acks: -1,
            messages: [{ key: message.key, value: message.value, headers: replayHeaders(message.headers) }],
          });
        result.replayed += 1;
        return result.replayed < limit;
      },
      options.dryRun ? undefined : (options.groupId ?? REPLAY_GROUP),
    );
  } finally {
    await producer.disconnect();
  }
  return result;
}
