// Rebuilding every timeline from the bus: clear the timeline keys, then read conv.classified, conv.status
// and bot.outbound from their oldest kept message up to their end as of the start, applying each event
// through the same store as the service (so it can run while the service runs: what both apply counts once).
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decode, type TopicNames, Topics } from '@switchboard/bus';
import type { Logger } from '@switchboard/core';
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';
import { fromClassified, fromOperatorMessage, fromStatus, type TimelineEvent } from './timeline';
import type { TimelineStore } from './timeline-store';

export interface RebuildDeps {
  kafka: Kafka;
  names: TopicNames;
  redis: Redis;
  keys: StatusKeys;
  store: TimelineStore;
  logger: Logger;
}

export interface RebuildResult {
  deletedKeys: number;
  events: number;
  applied: number;
  /** Messages that are not events (undecodable): left alone, as the service's DLQ has them. */
  skipped: number;
}

/** Deletes every timeline key (the hashes, their applied ids, the start index, the open buckets). */
export async function clearTimelines(redis: Redis, keys: StatusKeys): Promise<number> {
  const patterns = [keys.timeline('*'), keys.timelineApplied('*'), keys.timelineOpen('*', '*')];
  let deleted = await redis.unlink(keys.timelinesByStart());
  for (const match of patterns) {
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      if (found.length > 0) deleted += await redis.unlink(...found);
    } while (cursor !== '0');
  }
  return deleted;
}

type Reader = (message: KafkaMessage) => { conversationId: string; event: TimelineEvent | null };

export async function rebuildTimelines({
  kafka,
  names,
  redis,
  keys,
  store,
  logger,
}: RebuildDeps): Promise<RebuildResult> {
  const readers = new Map<string, Reader>([
    [
      names.name(Topics.classified),
      (m) => {
        const e = decode(Topics.classified.schema, m.value);
        return { conversationId: e.message?.conversationId ?? '', event: fromClassified(e, Number(m.timestamp)) };
      },
    ],
    [
      names.name(Topics.status),
      (m) => {
        const e = decode(Topics.status.schema, m.value);
        return { conversationId: e.conversationId, event: fromStatus(e, Number(m.timestamp)) };
      },
    ],
    [
      names.name(Topics.outbound),
      (m) => {
        const e = decode(Topics.outbound.schema, m.value);
        return { conversationId: e.conversationId, event: fromOperatorMessage(e, Number(m.timestamp)) };
      },
    ],
  ]);
  // Where each partition ends now: events published during the rebuild are the service's to apply.
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of readers.keys()) {
      if (!existing.has(topic)) continue;
      for (const o of await admin.fetchTopicOffsets(topic))
        if (BigInt(o.high) > BigInt(o.low)) remaining.set(`${topic}/${o.partition}`, BigInt(o.high));
    }
  } finally {
    await admin.disconnect();
  }
  const result: RebuildResult = { deletedKeys: await clearTimelines(redis, keys), events: 0, applied: 0, skipped: 0 };
  logger.info(
    { deletedKeys: result.deletedKeys, partitions: remaining.size },
    'timelines cleared; replaying the topics',
  );
  if (remaining.size === 0) return result;

  const consumer = kafka.consumer({
    groupId: `switchboard-timeline-rebuild-${randomUUID()}`,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  try {
    for (const topic of new Set([...remaining.keys()].map((k) => k.slice(0, k.lastIndexOf('/')))))
      await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const slot = `${topic}/${partition}`;
            const end = remaining.get(slot);
            if (end === undefined) return;
            if (BigInt(message.offset) < end) {
              result.events++;
              let read: ReturnType<Reader> | null = null;
              try {
                read = readers.get(topic)!(message);
              } catch {
                result.skipped++;
              }
              if (read?.event && read.conversationId) {
                if ((await store.apply(read.conversationId, read.event)).outcome === 'applied') result.applied++;
              }
            }
            if (BigInt(message.offset) + 1n >= end) remaining.delete(slot);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return result;
}
