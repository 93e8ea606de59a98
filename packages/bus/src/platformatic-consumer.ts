// BusConsumer on @platformatic/kafka (KAFKA_CLIENT=platformatic): the library's message stream is split into
// a queue per partition, each handled in order and several at once, offsets committed only once handled.
import {
  Consumer,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { IHeaders } from 'kafkajs';
import type { DescMessage } from '@switchboard/proto';
import { backoffDelay } from '@switchboard/core';
import type { ConsumerOptions } from './consumer';
import type { MessageHandling, RawMessage } from './handling';
import { BusKafka } from './kafka';
import { describeConsumerCrash } from './kafka-log';
import { describeError, platformaticSecurityOptions, retryDelay } from './platformatic-producer';

/** How often handled offsets are committed (kafkajs's autoCommitInterval in the other consumer). */
const COMMIT_EVERY_MS = 1000;
const CONSUMER_RETRIES = 5;
const SESSION_TIMEOUT_MS = 30000;

interface PartitionState {
  partition: number;
  /** Received and not yet started. */
  queue: RawMessage[];
  running: boolean;
  /** Set when the partition went to another member: its work stops and nothing of it is committed. */
  revoked: boolean;
  /** The offset after the last one received: older ones fetched again after a rebalance are skipped. */
  seen?: bigint;
  /** The offset after the last one handled (what a restart resumes at), and the last such offset committed. */
  resolved?: bigint;
  committed?: bigint;
}

/** One group member and its stream; replaced whole after a crash. */
interface Session {
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  partitions: Map<number, PartitionState>;
  assigned: Set<number>;
  /** Messages in the partitions' queues; the stream pauses above the bound. */
  queued: number;
  paused: boolean;
  /** A dispatch is scheduled for the next turn of the event loop. */
  dispatching: boolean;
  /** Partitions being handled now. */
  workers: number;
  onIdle: (() => void)[];
  commitTimer?: NodeJS.Timeout;
  committing?: Promise<void>;
}

/** A message's headers as kafkajs gives them: a repeated header keeps every value. */
function headersOf(headers: Map<Buffer, Buffer>): IHeaders {
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const [name, value] of headers) {
    const key = name.toString();
    const before = out[key];
    out[key] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return out;
}

/** Closes a message stream; an error closing it is of no use to anyone. */
function closeStream(stream: Session['stream']): Promise<void> {
  return new Promise((resolve) => (stream ? stream.close(() => resolve()) : resolve()));
}

/** Leaves the group and closes the member's connections, without waiting on a broker that is away. */
function closeConsumer(consumer: Session['consumer']): Promise<void> {
  return new Promise((resolve) => consumer.close(true, () => resolve()));
}

export class PlatformaticConsumer<S extends DescMessage> {
  private session?: Session;
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
  }

  private get concurrency(): number {
    return Math.max(1, this.options.partitionsConcurrently ?? 4);
  }

  /** Most messages held in the queues before the stream pauses: two full batches per running partition. */
  private get maxQueued(): number {
    return Math.max(1000, 2 * (this.options.maxBatchSize ?? 500) * this.concurrency);
  }

  isReady(): boolean {
    return this.joined && !this.crashed && !this.handling.isBlocked();
  }

  async start(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const { options } = this;
    if (!(options.kafka instanceof BusKafka))
      throw new Error('KAFKA_CLIENT=platformatic needs a handle from createKafka');
    const { connection } = options.kafka;
    const consumer = new Consumer({
      clientId: connection.clientId,
      bootstrapBrokers: connection.brokers,
      groupId: options.groupId,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 3000,
      // Fewer than the connection's retries (about 10 s of them): a broker away longer ends this member and
      // a fresh one is started until the broker answers, as kafkajs's consumer crashes when no broker is left.
      retries: CONSUMER_RETRIES,
      retryDelay,
      ...(connection.security?.tls ? { connectTimeout: 5000 } : {}),
      ...platformaticSecurityOptions(connection.security),
    });
    const session: Session = {
      consumer,
      partitions: new Map(),
      assigned: new Set(),
      queued: 0,
      paused: false,
      dispatching: false,
      workers: 0,
      onIdle: [],
    };
    this.session = session;
    consumer.on('consumer:group:join', ({ assignments }) => this.onJoin(session, assignments ?? consumer.assignments));
    consumer.on('consumer:group:leave', () => {
      if (session === this.session) this.joined = false;
    });
    consumer.on('error', (err: Error) => this.crash(session, err));
    // @platformatic/kafka 1.35.0 sends no more heartbeats after one fails (it cancels its timer, then refreshes
    // the cancelled one), so the group would drop this member while its stream kept fetching: a failed heartbeat
    // ends the session, and a fresh member joins once the coordinator answers.
    consumer.on('consumer:heartbeat:error', ({ error }) =>
      this.crash(session, new Error(`heartbeat failed: ${describeError(error)}`, { cause: error })),
    );
    try {
      const stream = await consumer.consume({
        topics: [this.topicName],
        mode: MessagesStreamModes.COMMITTED,
        fallbackMode: MessagesStreamFallbackModes.EARLIEST,
        autocommit: false,
        sessionTimeout: SESSION_TIMEOUT_MS,
        heartbeatInterval: 3000,
      });
      session.stream = stream;
      if (this.stopping.signal.aborted) {
        // stop() came while joining (a restart under way): this member must not start consuming.
        this.session = undefined;
        await closeStream(stream);
        await closeConsumer(consumer);
        return;
      }
      stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => this.receive(session, message));
      stream.on('error', (err: Error) => this.crash(session, err));
      stream.on('close', () => this.crash(session, new Error('the message stream closed')));
    } catch (err) {
      if (session === this.session) this.session = undefined;
      await closeConsumer(consumer);
      throw new Error(`cannot consume ${this.topicName}: ${describeError(err)}`, { cause: err });
    }
    // A tick while a commit is still under way (a broker slow or away) is skipped, not queued.
    session.commitTimer = setInterval(() => {
      if (!session.committing) void this.commit(session);
    }, COMMIT_EVERY_MS);
  }

  /** Lets the message in hand finish, commits what is handled and leaves the group. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.restartTimer);
    const session = this.session;
    if (!session) return;
    clearInterval(session.commitTimer);
    session.stream?.pause();
    await this.idle(session);
    await this.commit(session);
    this.session = undefined;
    this.joined = false;
    await closeStream(session.stream);
    await closeConsumer(session.consumer);
  }

  /** The group (re)assigned partitions: work on those that went elsewhere stops and is not committed. */
  private onJoin(session: Session, assignments: { topic: string; partitions: number[] }[] | null): void {
    if (session !== this.session) return;
    this.joined = true;
    this.crashed = false;
    this.restarts = 0;
    const mine = new Set((assignments ?? []).filter((a) => a.topic === this.topicName).flatMap((a) => a.partitions));
    for (const [partition, state] of session.partitions) {
      if (mine.has(partition)) continue;
      state.revoked = true;
      session.queued -= state.queue.length;
      state.queue = [];
      session.partitions.delete(partition);
    }
    session.assigned = mine;
    this.options.logger.info(
      { topic: this.topicName, groupId: this.options.groupId, partitions: [...mine] },
      'consumer joined its group',
    );
    this.resumeIfRoom(session);
  }

  private receive(session: Session, message: Message<Buffer, Buffer, Buffer, Buffer>): void {
    if (session !== this.session || !session.assigned.has(message.partition)) return;
    let state = session.partitions.get(message.partition);
    if (!state) {
      state = { partition: message.partition, queue: [], running: false, revoked: false };
      session.partitions.set(message.partition, state);
    }
    // After a rebalance the stream starts again from the committed offset: what this member already has
    // (queued, in hand or handled) is not taken twice.
    if (state.seen !== undefined && message.offset < state.seen) return;
    state.seen = message.offset + 1n;
    state.queue.push({
      key: message.key ?? null,
      value: message.value ?? null,
      headers: headersOf(message.headers),
      offset: message.offset.toString(),
    });
    session.queued += 1;
    if (session.queued >= this.maxQueued && !session.paused) {
      session.paused = true;
      session.stream?.pause();
    }
    // The stream hands over a fetch's messages one by one in the same tick: starting the partitions on the
    // next one gives each the whole fetch at once (batch handlers and lanes get batches, as on kafkajs).
    if (!session.dispatching) {
      session.dispatching = true;
      setImmediate(() => {
        session.dispatching = false;
        if (session === this.session) this.dispatch(session);
      });
    }
  }

  /** Starts handling queued partitions, up to `partitionsConcurrently` at once. */
  private dispatch(session: Session): void {
    for (const state of session.partitions.values()) {
      if (session.workers >= this.concurrency) return;
      if (!state.running && state.queue.length > 0) void this.run(session, state);
    }
  }

  private async run(session: Session, state: PartitionState): Promise<void> {
    state.running = true;
    session.workers += 1;
    const live = () => session === this.session && !state.revoked;
    try {
      while (state.queue.length > 0 && live() && !this.stopping.signal.aborted) {
        const messages = state.queue.splice(0, state.queue.length);
        session.queued -= messages.length;
        this.resumeIfRoom(session);
        await this.handling.handle(this.topicName, state.partition, messages, {
          live: () => live() && !this.stopping.signal.aborted,
          owned: live,
          resolve: (offset) => (state.resolved = BigInt(offset) + 1n),
          heartbeat: async () => undefined, // the library heartbeats on its own timer
        });
      }
    } catch (err) {
      // A handler still failing when stopped, or the DLQ out of reach: what is not resolved comes again.
      if (!this.stopping.signal.aborted) this.crash(session, err as Error);
    } finally {
      state.running = false;
      session.workers -= 1;
      if (session.workers === 0) session.onIdle.splice(0).forEach((done) => done());
      if (session === this.session && !this.stopping.signal.aborted) this.dispatch(session);
    }
  }

  private resumeIfRoom(session: Session): void {
    if (session.paused && session.queued < this.maxQueued / 2) {
      session.paused = false;
      session.stream?.resume();
    }
  }

  private idle(session: Session): Promise<void> {
    if (session.workers === 0) return Promise.resolve();
    return new Promise((resolve) => session.onIdle.push(resolve));
  }

  /** Commits the handled offsets not committed yet, after any commit under way; a failure is retried next tick. */
  private commit(session: Session): Promise<void> {
    const run = async (): Promise<void> => {
      const states = [...session.partitions.values()].filter(
        (s) => !s.revoked && s.resolved !== undefined && s.resolved !== s.committed,
      );
      if (states.length === 0) return;
      const offsets = states.map((s) => ({
        topic: this.topicName,
        partition: s.partition,
        offset: s.resolved as bigint,
        leaderEpoch: -1,
      }));
      try {
        await session.consumer.commit({ offsets });
        offsets.forEach((o, i) => (states[i].committed = o.offset));
      } catch (err) {
        this.options.logger.warn({ err: describeError(err), topic: this.topicName }, 'offset commit failed; retrying');
        return;
      }
      // Without an answer (a broker away) the gauge keeps its last value until the next commit.
      await this.measureLag(session, states).catch(() => undefined);
    };
    const next = (session.committing ?? Promise.resolve()).then(run).finally(() => {
      if (session.committing === next) session.committing = undefined;
    });
    session.committing = next;
    return next;
  }

  /** Sets the lag gauge of the partitions just committed from the latest offsets the broker has. */
  private async measureLag(session: Session, states: PartitionState[]): Promise<void> {
    const latest = (await session.consumer.listOffsets({ topics: [this.topicName] })).get(this.topicName) ?? [];
    for (const state of states) {
      const end = latest[state.partition];
      if (end === undefined || state.resolved === undefined) continue;
      const lag = end - state.resolved;
      this.options.metrics.consumerLag.set(
        { topic: this.topicName, partition: String(state.partition) },
        Number(lag > 0n ? lag : 0n),
      );
    }
  }

  /**
   * Any failure of the member or its stream (a broker away too long, a lost group) ends the session: a fresh
   * one starts after a short pause, from the committed offsets, once the old one's message in hand is done.
   */
  private crash(session: Session, err: Error): void {
    if (session !== this.session || this.stopping.signal.aborted) return;
    this.session = undefined;
    this.crashed = true;
    this.joined = false;
    clearInterval(session.commitTimer);
    const described = describeError(err);
    const crash = describeConsumerCrash(described, this.restarts);
    this.options.logger[crash.level](
      {
        err: described,
        errName: err?.name,
        topic: this.topicName,
        transient: crash.transient,
        ...(crash.level === 'error' ? { stack: err?.stack } : {}),
      },
      crash.message,
    );
    void closeStream(session.stream);
    void closeConsumer(session.consumer);
    this.scheduleRestart(session);
  }

  private scheduleRestart(old?: Session): void {
    if (this.stopping.signal.aborted) return;
    const delay = backoffDelay(this.restarts++, { baseMs: 500, maxMs: 5000 });
    this.options.logger.warn({ topic: this.topicName, inMs: Math.round(delay) }, 'starting a fresh consumer');
    this.restartTimer = setTimeout(() => {
      void (old ? this.idle(old) : Promise.resolve())
        .then(() => this.start())
        .catch((err: Error) => {
          this.options.logger.error({ err: err.message, topic: this.topicName }, 'consumer restart failed');
          this.scheduleRestart();
        });
    }, delay);
  }
}
