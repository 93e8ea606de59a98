// Consuming from the bus with at-least-once delivery: an offset is resolved only after the handler
// succeeded or the message is in the DLQ, so a crash redelivers and never loses. A message that cannot
// be decoded or keeps failing goes to `<topic>.dlq` with error headers; the partition moves on.
import type { Consumer, Kafka, EachBatchPayload } from 'kafkajs';
import type { DescMessage } from '@switchboard/proto';
import { backoffDelay, type Logger, type Metrics } from '@switchboard/core';
import { MessageHandling, type BatchHandler, type Handler } from './handling';
import { clientOf } from './kafka';
import { describeConsumerCrash } from './kafka-log';
import { PlatformaticConsumer } from './platformatic-consumer';
import type { Publisher } from './publisher';
import type { TopicNames, TopicSpec } from './topics';

export type { Delivery, Handler, BatchHandler } from './handling';

export interface ConsumerOptions<S extends DescMessage> {
  kafka: Kafka;
  names: TopicNames;
  groupId: string;
  topic: TopicSpec<S>;
  handler: Handler<S>;
  batchHandler?: BatchHandler<S>;
  /** Most messages given to batchHandler at once. */
  maxBatchSize?: number;
  /**
   * Partitions handled at once (each still strictly in order). Handling is mostly waiting on Redis and
   * Kafka round trips, so overlapping partitions multiplies throughput (bench/).
   */
  partitionsConcurrently?: number;
  publisher: Publisher;
  logger: Logger;
  metrics: Metrics;
  /** Attempts for an unexpected error before the message goes to the DLQ. */
  maxAttempts?: number;
  /** Extra test for "a dependency is away" errors that must be retried without limit (e.g. Redis). */
  isUnavailable?: (err: unknown) => boolean;
  /** Called with true while the consumer cannot make progress because a dependency is away. */
  onBlocked?: (blocked: boolean) => void;
}

/** What BusConsumer runs on: kafkajs (below) or @platformatic/kafka (platformatic-consumer.ts). */
interface ConsumerTransport {
  isReady(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Consumes one topic in a consumer group on the library KAFKA_CLIENT names (the handle's choice); the
 * handling (decode, batches, retries, DLQ, metrics) is the same on both (handling.ts).
 */
export class BusConsumer<S extends DescMessage> {
  private readonly transport: ConsumerTransport;

  constructor(options: ConsumerOptions<S>) {
    const stopping = new AbortController();
    const handling = new MessageHandling(options, stopping.signal);
    this.transport =
      clientOf(options.kafka) === 'platformatic'
        ? new PlatformaticConsumer(options, handling, stopping)
        : new KafkajsConsumer(options, handling, stopping);
  }

  /** Ready = in its group, not crashed, and not stuck on an unavailable dependency. */
  isReady(): boolean {
    return this.transport.isReady();
  }

  start(): Promise<void> {
    return this.transport.start();
  }

  /** Finishes the message in hand, commits what is resolved and leaves the group. */
  stop(): Promise<void> {
    return this.transport.stop();
  }
}

class KafkajsConsumer<S extends DescMessage> implements ConsumerTransport {
  private consumer: Consumer;
  private readonly topicName: string;
  private joined = false;
  private crashed = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;

  constructor(
    private readonly options: ConsumerOptions<S>,
    private readonly handling: MessageHandling<S>,
    private readonly stopping: AbortController,
  ) {
    this.topicName = options.names.name(options.topic);
    this.consumer = this.makeConsumer();
  }

  /**
   * A kafkajs consumer with our listeners. kafkajs would restart itself only after a crash it deems
   * retriable, with its own growing pauses, and stay down for good after any other (seen after a broker
   * restart on a loaded machine); so every crash is ours to handle: a fresh consumer after a short pause.
   */
  private makeConsumer(): Consumer {
    const { options } = this;
    const consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      retry: { restartOnFailure: async () => false },
    });
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, () => {
      this.joined = true;
      this.crashed = false;
      this.restarts = 0;
    });
    consumer.on(events.CRASH, (e) => {
      this.crashed = true;
      this.joined = false;
      const err = e.payload.error;
      const crash = describeConsumerCrash(err?.message ?? '', this.restarts);
      options.logger[crash.level](
        {
          err: err?.message,
          errName: err?.name,
          topic: this.topicName,
          transient: crash.transient,
          ...(crash.level === 'error' ? { stack: err?.stack } : {}),
        },
        crash.message,
      );
      if (consumer === this.consumer) this.scheduleRestart();
    });
    consumer.on(events.STOP, () => (this.joined = false));
    return consumer;
  }

  private scheduleRestart(): void {
    if (this.stopping.signal.aborted) return;
    const delay = backoffDelay(this.restarts++, { baseMs: 500, maxMs: 5000 });
    this.options.logger.warn({ topic: this.topicName, inMs: Math.round(delay) }, 'starting a fresh consumer');
    this.restartTimer = setTimeout(() => {
      const old = this.consumer;
      this.consumer = this.makeConsumer();
      void old
        .disconnect()
        .catch(() => undefined)
        .then(() => this.start())
        .catch((err: Error) => {
          this.options.logger.error({ err: err.message, topic: this.topicName }, 'consumer restart failed');
          this.scheduleRestart();
        });
    }, delay);
  }

  isReady(): boolean {
    return this.joined && !this.crashed && !this.handling.isBlocked();
  }

  async start(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const consumer = this.consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topicName, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 4,
      eachBatchAutoResolve: false,
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.restartTimer);
    await this.consumer.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { metrics } = this.options;
    // Set when a heartbeat learns that the group is rebalancing: the batch starts nothing more, and its error is
    // thrown once the batch is left, so that kafkajs rejoins at once (it waits for every batch under way).
    let rebalancing: unknown;
    await this.handling.handle(batch.topic, batch.partition, batch.messages, {
      live: () => rebalancing === undefined && isRunning() && !isStale() && !this.stopping.signal.aborted,
      owned: () => isRunning() && !isStale(),
      resolve: (offset) => {
        resolveOffset(offset);
        metrics.consumerLag.set(
          { topic: batch.topic, partition: String(batch.partition) },
          Math.max(0, Number(batch.highWatermark) - Number(offset) - 1),
        );
      },
      heartbeat: async () => {
        try {
          await heartbeat();
        } catch (err) {
          if (isRebalancing(err)) rebalancing ??= err;
          throw err;
        }
      },
    });
    if (rebalancing !== undefined) throw rebalancing;
    await commitOffsetsIfNecessary();
  }
}

/**
 * The member must rejoin its group before it may go on: the group is rebalancing (kafkajs's own test,
 * errors.isRebalancing, not exported), or the coordinator no longer knows the member (dropped after a session
 * timeout; kafkajs rejoins for that too). Either way its partitions may be someone else's by now.
 */
export function isRebalancing(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return (
    type === 'REBALANCE_IN_PROGRESS' ||
    type === 'NOT_COORDINATOR_FOR_GROUP' ||
    type === 'ILLEGAL_GENERATION' ||
    type === 'UNKNOWN_MEMBER_ID'
  );
}
