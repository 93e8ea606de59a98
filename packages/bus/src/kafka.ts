// The kafkajs client with its logs routed into pino, and the topic set-up every component can call.
import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '@switchboard/core';
import { describeKafkaLog } from './kafka-log';
import { DLQ_SUFFIX, type TopicNames } from './topics';

export type { Kafka } from 'kafkajs';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(options: { brokers: string[]; clientId: string; logger: Logger }): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  const saidOnce = new Set<string>();
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // kafkajs retries connections itself; a longer ladder rides out a broker restart.
    retry: { initialRetryTime: 300, retries: 12, maxRetryTime: 10000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const line = describeKafkaLog(LEVELS[level] ?? 'info', entry);
        // Five services starting at once meet the same transient condition dozens of times: say it once.
        const repeat = line.transient !== undefined && saidOnce.has(line.transient);
        if (line.transient !== undefined) saidOnce.add(line.transient);
        log[repeat ? 'debug' : line.level](line.fields, line.message);
      },
  });
}

/** Creates the topics that do not exist yet (idempotent; replicas racing here is harmless). */
export async function ensureTopics(
  kafka: Kafka,
  names: TopicNames,
  options: { partitions: number; replicationFactor: number },
): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = names.all().filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: topic.endsWith(DLQ_SUFFIX) ? 1 : options.partitions,
            replicationFactor: options.replicationFactor,
          })),
        });
      } catch (err) {
        // Another replica may have created some of them in the meantime: that is success too.
        const now = new Set(await admin.listTopics());
        if (!missing.every((topic) => now.has(topic))) throw err;
      }
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
