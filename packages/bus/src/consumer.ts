// Consuming from the bus with at-least-once delivery: an offset is resolved only after the handler
// succeeded or the message is in the DLQ, so a crash redelivers and never loses. A message that cannot
// be decoded or keeps failing goes to `<topic>.dlq` with error headers; the partition moves on.
import type { Consumer, Kafka, KafkaMessage, EachBatchPayload } from 'kafkajs';
import type { DescMessage, MessageShape } from '@switchboard/proto';
import { backoffDelay, eventLogger, sleep, type Logger, type Metrics } from '@switchboard/core';
import { decode, DecodeError } from './codec';
import { decideFailure } from './errors';
import type { Publisher } from './publisher';
import type { TopicNames, TopicSpec } from './topics';
import { dlqHeaders, replayedForAnotherGroup } from './dlq';

export interface Delivery<S extends DescMessage> {
  event: MessageShape<S>;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /** A logger whose lines carry the conversation and event ids. */
  log: Logger;
}

export type Handler<S extends DescMessage> = (delivery: Delivery<S>) => Promise<void>;

/**
 * Handles many deliveries at once (one Redis pipeline, one Kafka send). If it throws, the same messages
 * are handled one by one with `handler`, so one bad message still ends alone in the DLQ.
 */
export type BatchHandler<S extends DescMessage> = (deliveries: Delivery<S>[]) => Promise<void>;

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

/** Ids to log with: every Switchboard event has event_id, and all but none have conversation_id. */
function idsOf(event: unknown): { conversationId?: string; eventId?: string } {
  const e = event as {
    eventId?: string;
    conversationId?: string;
    message?: { eventId?: string; conversationId?: string };
  };
  return { eventId: e.eventId || e.message?.eventId, conversationId: e.conversationId || e.message?.conversationId };
}

/** A delivery whose event-scoped logger is made on first use: most handlers never log per event. */
function delivery<S extends DescMessage>(
  event: MessageShape<S>,
  topic: string,
  partition: number,
  message: KafkaMessage,
  logger: Logger,
): Delivery<S> {
  let log: Logger | undefined;
  return {
    event,
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    get log() {
      return (log ??= eventLogger(logger, idsOf(event)));
    },
  };
}

/** Outcomes and dead-letter reasons every consumer can produce, served as 0 from start-up. */
const CONSUMER_OUTCOMES = ['ok', 'retry', 'dlq', 'skipped'] as const;
const GENERIC_DLQ_REASONS = ['undecodable', 'handler_failed'] as const;

/**
 * A counter series that first appears at its first increment has no earlier sample, so `increase()` and
 * `rate()` never see that first event (the first dead letter after a start would not alert). Serve the
 * known label sets as 0 from the start instead.
 */
function zeroCounters(metrics: Metrics, topic: string): void {
  for (const outcome of CONSUMER_OUTCOMES) metrics.eventsTotal.inc({ topic, outcome }, 0);
  for (const reason of GENERIC_DLQ_REASONS) metrics.dlqTotal.inc({ topic, reason }, 0);
}

export class BusConsumer<S extends DescMessage> {
  private consumer: Consumer;
  private readonly topicName: string;
  private joined = false;
  private crashed = false;
  private blocked = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  private readonly stopping = new AbortController();

  constructor(private readonly options: ConsumerOptions<S>) {
    this.topicName = options.names.name(options.topic);
    this.consumer = this.makeConsumer();
    zeroCounters(options.metrics, this.topicName);
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
      options.logger.error(
        { err: e.payload.error?.message, errName: e.payload.error?.name, topic: this.topicName },
        'consumer crashed',
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

  /** Ready = in its group, not crashed, and not stuck on an unavailable dependency. */
  isReady(): boolean {
    return this.joined && !this.crashed && !this.blocked;
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

  /** Finishes the message in hand, commits what is resolved and leaves the group. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.restartTimer);
    await this.consumer.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { metrics, batchHandler, maxBatchSize = 500 } = this.options;
    const lag = (offset: string) =>
      metrics.consumerLag.set(
        { topic: batch.topic, partition: String(batch.partition) },
        Math.max(0, Number(batch.highWatermark) - Number(offset) - 1),
      );
    const live = () => isRunning() && !isStale() && !this.stopping.signal.aborted;
    const messages = batch.messages;
    for (let start = 0; start < messages.length && live(); start += batchHandler ? maxBatchSize : messages.length) {
      const chunk = messages.slice(start, batchHandler ? start + maxBatchSize : messages.length);
      if (
        batchHandler &&
        chunk.length > 1 &&
        (await this.tryBatch(batch.topic, batch.partition, chunk, batchHandler))
      ) {
        if (!isRunning() || isStale()) break;
        const last = chunk[chunk.length - 1].offset;
        resolveOffset(last);
        lag(last);
        await heartbeat();
        continue;
      }
      for (const message of chunk) {
        if (!live()) break;
        await this.handleMessage(batch.topic, batch.partition, message, heartbeat);
        if (!isRunning() || isStale()) break;
        resolveOffset(message.offset);
        lag(message.offset);
        await heartbeat();
      }
    }
    await commitOffsetsIfNecessary();
  }

  /** True when the whole chunk was handled; false to fall back to handling it one by one. */
  private async tryBatch(
    topic: string,
    partition: number,
    chunk: KafkaMessage[],
    batchHandler: BatchHandler<S>,
  ): Promise<boolean> {
    const { logger, metrics } = this.options;
    const deliveries: Delivery<S>[] = [];
    let skipped = 0;
    for (const message of chunk) {
      if (replayedForAnotherGroup(message.headers, this.options.groupId)) {
        skipped += 1;
        continue;
      }
      try {
        const event = decode(this.options.topic.schema, message.value);
        deliveries.push(delivery(event, topic, partition, message, logger));
      } catch {
        return false; // one by one, where the undecodable message goes to the DLQ alone
      }
    }
    if (skipped > 0) metrics.eventsTotal.inc({ topic, outcome: 'skipped' }, skipped);
    if (deliveries.length === 0) return true;
    const stopTimer = metrics.processingSeconds.startTimer({ topic });
    try {
      await batchHandler(deliveries);
      stopTimer();
      this.setBlocked(false);
      metrics.eventsTotal.inc({ topic, outcome: 'ok' }, deliveries.length);
      return true;
    } catch (err) {
      stopTimer();
      logger.warn(
        { err: (err as Error).message, size: deliveries.length },
        'batch failed; handling its messages one by one',
      );
      return false;
    }
  }

  private async handleMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const { logger, metrics, handler, maxAttempts = 5 } = this.options;
    if (replayedForAnotherGroup(message.headers, this.options.groupId)) {
      metrics.eventsTotal.inc({ topic, outcome: 'skipped' });
      return;
    }
    let event: MessageShape<S>;
    try {
      event = decode(this.options.topic.schema, message.value);
    } catch (err) {
      await this.toDlq(topic, partition, message, err as Error, 'undecodable', logger);
      return;
    }
    const current = delivery(event, topic, partition, message, logger);
    for (let attempt = 1; ; attempt += 1) {
      const stopTimer = metrics.processingSeconds.startTimer({ topic });
      try {
        await handler(current);
        stopTimer();
        this.setBlocked(false);
        metrics.eventsTotal.inc({ topic, outcome: 'ok' });
        return;
      } catch (err) {
        stopTimer();
        const decision = decideFailure(err, attempt, maxAttempts, this.options.isUnavailable);
        if (decision.action === 'dlq') {
          await this.toDlq(topic, partition, message, err as Error, decision.reason, current.log);
          return;
        }
        metrics.eventsTotal.inc({ topic, outcome: 'retry' });
        if (decision.unlimited) this.setBlocked(true);
        const delayMs =
          decision.delayMs ?? backoffDelay(attempt, { baseMs: 200, maxMs: decision.unlimited ? 5000 : 2000 });
        current.log.warn({ err: (err as Error).message, attempt, delayMs }, 'handler failed, retrying');
        if (this.stopping.signal.aborted) throw err;
        await this.sleepWithHeartbeat(delayMs, heartbeat);
      }
    }
  }

  private async sleepWithHeartbeat(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && !this.stopping.signal.aborted) {
      await sleep(Math.min(1000, until - Date.now()), this.stopping.signal);
      await heartbeat().catch(() => undefined);
    }
  }

  private setBlocked(blocked: boolean): void {
    if (this.blocked !== blocked) {
      this.blocked = blocked;
      this.options.onBlocked?.(blocked);
    }
  }

  private async toDlq(
    topic: string,
    partition: number,
    message: KafkaMessage,
    err: Error,
    reason: string,
    log: Logger,
  ): Promise<void> {
    const dlqTopic = topic + '.dlq';
    // Publishing to the DLQ must itself succeed before the offset moves on; kafkajs retries, and if the
    // broker is away the batch fails and is redelivered.
    await this.options.publisher.publishRaw(dlqTopic, [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          ...dlqHeaders({
            topic,
            partition,
            offset: message.offset,
            reason,
            error: err,
            groupId: this.options.groupId,
          }),
        },
      },
    ]);
    this.options.metrics.dlqTotal.inc({ topic, reason });
    this.options.metrics.eventsTotal.inc({ topic, outcome: 'dlq' });
    log.error(
      {
        err: err.message,
        reason,
        dlqTopic,
        partition,
        offset: message.offset,
        undecodable: err instanceof DecodeError,
      },
      'message sent to DLQ',
    );
  }
}
