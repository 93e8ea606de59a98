// The library-independent half of BusConsumer: decode, batch or one-by-one handling, retries, the DLQ, the
// metrics and "blocked on a dependency". Each client library's consumer feeds it one partition's messages.
import type { IHeaders } from 'kafkajs';
import type { DescMessage, MessageShape } from '@switchboard/proto';
import { backoffDelay, eventLogger, sleep, type Logger, type Metrics } from '@switchboard/core';
import { decode, DecodeError } from './codec';
import { BatchStoppedError, decideFailure } from './errors';
import type { ConsumerOptions } from './consumer';
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
export type BatchHandler<S extends DescMessage> = (deliveries: Delivery<S>[], context: BatchContext) => Promise<void>;

/** What a batch handler may ask while it works. */
export interface BatchContext {
  /**
   * False once the partition is no longer this consumer's or the consumer is stopping: a long batch should
   * start nothing more and throw, leaving the rest (unresolved) to be redelivered.
   */
  live(): boolean;
  /** Counts an event the batch handler tries again itself (a lane waiting out a busy conversation). */
  retrying?(): void;
}

/** A consumed message as both libraries can give it (kafkajs's KafkaMessage is one). */
export interface RawMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  offset: string;
}

/** What the library's consumer lets the handling do with one partition's messages. */
export interface PartitionControl {
  /** True while another message of the partition may be started (not stopping, still this consumer's). */
  live(): boolean;
  /** True while the partition is still this consumer's, so a finished message's offset may be resolved. */
  owned(): boolean;
  /** Marks everything up to `offset` handled: a restart resumes after it. */
  resolve(offset: string): void;
  /**
   * Keeps the group membership alive during long work (a no-op where the library heartbeats by itself). It
   * may throw when the group is rebalancing, and `live()` is false from then on: the consumer must leave the
   * batch so that the group can settle (kafkajs waits for every member's batch before it rejoins).
   */
  heartbeat(): Promise<void>;
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
  message: RawMessage,
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

/** How often a running batch handler's consumer heartbeats (the library sends one only when its interval is due). */
const BATCH_HEARTBEAT_MS = 1000;

export class MessageHandling<S extends DescMessage> {
  private blocked = false;

  constructor(
    private readonly options: ConsumerOptions<S>,
    private readonly stopping: AbortSignal,
  ) {
    zeroCounters(options.metrics, options.names.name(options.topic));
  }

  /** True while a dependency is away and the consumer cannot make progress. */
  isBlocked(): boolean {
    return this.blocked;
  }

  /**
   * Handles one partition's messages in order: in chunks through the batch handler when there is one
   * (falling back to one by one for a chunk that fails), each resolved only once handled or dead-lettered.
   */
  async handle(topic: string, partition: number, messages: RawMessage[], control: PartitionControl): Promise<void> {
    const { batchHandler, maxBatchSize = 500 } = this.options;
    try {
      for (
        let start = 0;
        start < messages.length && control.live();
        start += batchHandler ? maxBatchSize : messages.length
      ) {
        const chunk = messages.slice(start, batchHandler ? start + maxBatchSize : messages.length);
        if (batchHandler && chunk.length > 1 && (await this.tryBatch(topic, partition, chunk, batchHandler, control))) {
          if (!control.owned()) break;
          control.resolve(chunk[chunk.length - 1].offset);
          await control.heartbeat();
          continue;
        }
        for (const message of chunk) {
          if (!control.live()) break;
          await this.handleMessage(topic, partition, message, control);
          if (!control.owned()) break;
          control.resolve(message.offset);
          await control.heartbeat();
        }
      }
    } catch (err) {
      // A retry given up because the partition moved on: what is resolved stays, the rest is the new owner's.
      if (!(err instanceof BatchStoppedError)) throw err;
    }
  }

  /** True when the whole chunk was handled; false to fall back to handling it one by one. */
  private async tryBatch(
    topic: string,
    partition: number,
    chunk: RawMessage[],
    batchHandler: BatchHandler<S>,
    control: PartitionControl,
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
    // A batch in lanes can run for long (many conversations, each waiting on Slack or a lock): heartbeat while
    // it runs, so that a rebalance is seen (and `live()` turns false) within a heartbeat interval, not at its end.
    const ticker = setInterval(() => void control.heartbeat().catch(() => undefined), BATCH_HEARTBEAT_MS);
    try {
      await batchHandler(deliveries, {
        live: () => control.live(),
        retrying: () => metrics.eventsTotal.inc({ topic, outcome: 'retry' }),
      });
      stopTimer();
      this.setBlocked(false);
      metrics.eventsTotal.inc({ topic, outcome: 'ok' }, deliveries.length);
      return true;
    } catch (err) {
      stopTimer();
      if (!control.live()) {
        // Stopped part-way (the partition moved on, or the consumer is stopping): nothing of it is resolved.
        logger.info({ size: deliveries.length }, 'batch stopped before its end; the rest is redelivered');
        return false;
      }
      logger.warn(
        { err: (err as Error).message, size: deliveries.length },
        'batch failed; handling its messages one by one',
      );
      return false;
    } finally {
      clearInterval(ticker);
    }
  }

  private async handleMessage(
    topic: string,
    partition: number,
    message: RawMessage,
    control: PartitionControl,
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
        if (decision.blocking) this.setBlocked(true);
        const delayMs =
          decision.delayMs ?? backoffDelay(attempt, { baseMs: 200, maxMs: decision.unlimited ? 5000 : 2000 });
        current.log.warn({ err: (err as Error).message, attempt, delayMs }, 'handler failed, retrying');
        if (this.stopping.aborted) throw err;
        await this.sleepWithHeartbeat(delayMs, control);
        // The partition moved on while this waited (a rebalance): its new owner handles the message.
        if (!control.live()) {
          if (this.stopping.aborted) throw err;
          current.log.info({ attempt }, 'partition moved on while retrying; left to its new owner');
          throw new BatchStoppedError();
        }
      }
    }
  }

  /** Waits `ms`, heartbeating each second; ends early once the consumer stops or the partition is not live. */
  private async sleepWithHeartbeat(ms: number, control: PartitionControl): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && !this.stopping.aborted && control.live()) {
      await sleep(Math.min(1000, until - Date.now()), this.stopping);
      await control.heartbeat().catch(() => undefined);
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
    message: RawMessage,
    err: Error,
    reason: string,
    log: Logger,
  ): Promise<void> {
    const dlqTopic = topic + '.dlq';
    // Publishing to the DLQ must itself succeed before the offset moves on; the producer retries, and if the
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
