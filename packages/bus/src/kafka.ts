// The Kafka handle every component is given: a kafkajs client with its logs routed into pino, which also
// carries the choice of client library (KAFKA_CLIENT) and the connection settings the other library needs.
// Plus the topic set-up every component can call.
import { Kafka, logLevel, type Admin, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaClientKind, KafkaSecurity, Logger } from '@switchboard/core';
import { describeKafkaLog } from './kafka-log';
import { DLQ_SUFFIX, type TopicNames } from './topics';

export { Kafka } from 'kafkajs';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export interface CreateKafkaOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS and SASL from the config (KAFKA_SSL*, KAFKA_SASL*); plaintext without. */
  security?: KafkaSecurity;
  /** How often to retry a failed connection or request (12 by default, riding out a broker restart). */
  retries?: number;
  /** The library the Publisher and BusConsumer run on (kafkajs when absent); admin uses kafkajs. */
  client?: KafkaClientKind;
}

/** Where and how to connect, as given to createKafka: what a client other than kafkajs is built from. */
export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  security?: KafkaSecurity;
  logger: Logger;
  /** How often to retry connecting (createKafka's `retries`); sends retry without limit either way. */
  retries?: number;
}

/**
 * A kafkajs client that also says which library to produce with. It is a kafkajs Kafka (admins, tests and
 * the CLI use it as one), so the choice travels with the handle without changing any call site.
 */
export class BusKafka extends Kafka {
  constructor(
    config: KafkaConfig,
    readonly client: KafkaClientKind,
    readonly connection: KafkaConnection,
  ) {
    super(config);
  }
}

/** The library a handle produces with: a plain kafkajs Kafka (made outside createKafka) is kafkajs. */
export function clientOf(kafka: Kafka): KafkaClientKind {
  return kafka instanceof BusKafka ? kafka.client : 'kafkajs';
}

/** kafkajs's ssl and sasl options from the config's: fresh objects, the secrets copied in only here. */
export function kafkaSecurityOptions(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  const { tls, sasl } = security ?? {};
  if (tls) {
    out.ssl = {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca !== undefined ? { ca: [tls.ca] } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
    };
  }
  if (sasl) out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  return out;
}

export function createKafka(options: CreateKafkaOptions): BusKafka {
  const log = options.logger.child({ component: 'kafkajs' });
  const saidOnce = new Set<string>();
  const { brokers, clientId, security, logger, retries } = options;
  const connection: KafkaConnection = { brokers, clientId, security, logger, retries };
  return new BusKafka(
    {
      clientId: options.clientId,
      brokers: options.brokers,
      // kafkajs retries connections itself; a longer ladder rides out a broker restart.
      retry: { initialRetryTime: 300, retries: options.retries ?? 12, maxRetryTime: 10000 },
      // kafkajs's 1 s covers the TLS handshake too: too short for a managed Kafka across a region.
      ...(options.security?.tls ? { connectionTimeout: 5000 } : {}),
      ...kafkaSecurityOptions(options.security),
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
    },
    options.client ?? 'kafkajs',
    connection,
  );
}

/** Creates the topics that do not exist yet (idempotent; replicas racing here is harmless). */
export async function ensureTopics(
  kafka: Kafka,
  names: TopicNames,
  options: { partitions: number; replicationFactor: number; readyWithinMs?: number },
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
        // Another replica may have created some of them in the meantime (TOPIC_ALREADY_EXISTS), or a fresh
        // broker answered the leader wait with "does not host this topic-partition" while its metadata
        // settles: both are success once every topic serves, which the wait below decides.
        if (!(await topicsServe(admin, missing, options.readyWithinMs ?? 30000))) throw err;
      }
      // createTopics' own leader wait can end before every partition has a leader on a broker that has just
      // started: return only when the topics can be produced to.
      if (!(await topicsServe(admin, missing, options.readyWithinMs ?? 30000))) {
        throw new Error(`topics created but not all partitions have a leader yet: ${missing.join(', ')}`);
      }
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}

/** True once every partition of these topics has a leader, polling the metadata until `withinMs` passes. */
async function topicsServe(admin: Admin, topics: string[], withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const served = topics.every((name) => {
        const topic = metadata.find((t) => t.name === name);
        return !!topic && topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0);
      });
      if (served) return true;
    } catch {
      // UNKNOWN_TOPIC_OR_PARTITION / LEADER_NOT_AVAILABLE while the broker settles: look again.
    }
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
