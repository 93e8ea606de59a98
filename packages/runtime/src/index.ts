// Wires the shared parts into a running service: logger, metrics, Kafka, Redis, consumers, the HTTP
// server with readiness, and graceful shutdown. A service's main.ts builds its logic and hands it here.
import {
  createHttpServer,
  createLogger,
  createMetrics,
  handleShutdown,
  type CloseStep,
  type CommonConfig,
  type Logger,
  type Metrics,
} from '@switchboard/core';
import {
  BusConsumer,
  KafkaHealth,
  Publisher,
  TopicNames,
  createKafka,
  ensureTopics,
  inLanes,
  type BatchHandler,
  type Handler,
  type Kafka,
  type TopicSpec,
} from '@switchboard/bus';
import {
  connectRedis,
  createKeys,
  createRedis,
  isRedisConnectionError,
  redisReady,
  type Keys,
  type Redis,
} from '@switchboard/store';
import type { DescMessage } from '@switchboard/proto';
import type { FastifyInstance } from 'fastify';

export interface RuntimeOptions {
  service: string;
  config: CommonConfig;
  httpPort: number;
  httpHost?: string;
  bodyLimit?: number;
  /** Behind a load balancer or ingress controller: take the client's address from X-Forwarded-For. */
  /** fastify's trustProxy: off, a hop count, or the proxies' addresses (never `true`: every hop would be believed). */
  trustProxy?: false | number | string[];
  /** Create missing topics at start-up (on in development; the chart may run a job instead). */
  createTopics?: boolean;
  /** Extra readiness checks of the service's own (e.g. "slack"). */
  readiness?: () => Record<string, boolean>;
}

export interface ConsumeOptions<S extends DescMessage> {
  groupId: string;
  topic: TopicSpec<S>;
  handler: Handler<S>;
  batchHandler?: BatchHandler<S>;
  /**
   * Handle a fetch's events for different conversations at once (KAFKA_CONVERSATIONS_CONCURRENTLY), each
   * conversation's in order, with `handler` (bus/lanes.ts). For handlers that are idempotent per event and
   * spend their time waiting on Redis, Slack or Asana. Ignored when `batchHandler` is given.
   */
  inLanes?: boolean;
  partitionsConcurrently?: number;
  maxAttempts?: number;
  isUnavailable?: (err: unknown) => boolean;
  /**
   * Whether the service is not ready while this consumer cannot make progress (default true). False for
   * work whose outage must not take the service's HTTP side out of rotation (a bot's webhook being down).
   */
  affectsReadiness?: boolean;
}

export class Runtime {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly kafka: Kafka;
  readonly redis: Redis;
  readonly keys: Keys;
  readonly names: TopicNames;
  readonly publisher: Publisher;
  readonly http: FastifyInstance;
  private readonly kafkaHealth: KafkaHealth;
  private readonly consumers: BusConsumer<DescMessage>[] = [];
  private readonly readinessConsumers: BusConsumer<DescMessage>[] = [];
  private readonly extraClose: CloseStep[] = [];
  /** Aborted by stop(): a start still waiting for Redis gives up. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: RuntimeOptions) {
    const { service, config } = options;
    this.logger = createLogger({ service, level: config.logLevel });
    this.metrics = createMetrics(service);
    this.kafka = createKafka({
      brokers: config.kafkaBrokers,
      clientId: `${config.kafkaClientId}-${service}`,
      logger: this.logger,
      security: config.kafkaSecurity,
      client: config.kafkaClient,
    });
    const { tls, sasl } = config.kafkaSecurity;
    if (tls || sasl)
      this.logger.info(
        { tls: Boolean(tls), sasl: sasl ? `${sasl.mechanism} as ${sasl.username}` : 'off' },
        'kafka connection secured',
      );
    if (tls && !tls.rejectUnauthorized)
      this.logger.warn("KAFKA_SSL_REJECT_UNAUTHORIZED=false: the brokers' certificates are not checked");
    this.redis = createRedis(config.redisUrl, this.logger);
    this.keys = createKeys(config.redisKeyPrefix);
    this.names = new TopicNames(config.topicPrefix);
    this.publisher = new Publisher(this.kafka, this.names);
    this.kafkaHealth = new KafkaHealth(this.kafka);
    this.http = createHttpServer({
      logger: this.logger,
      metrics: this.metrics,
      bodyLimit: options.bodyLimit,
      trustProxy: options.trustProxy,
      readiness: () => this.readiness(),
    });
  }

  readiness(): Record<string, boolean> {
    const checks: Record<string, boolean> = {
      redis: redisReady(this.redis),
      kafka:
        this.kafkaHealth.isUp() && this.publisher.isConnected() && this.readinessConsumers.every((c) => c.isReady()),
    };
    return { ...checks, ...this.options.readiness?.() };
  }

  consume<S extends DescMessage>(options: ConsumeOptions<S>): void {
    const consumer = new BusConsumer<S>({
      kafka: this.kafka,
      names: this.names,
      publisher: this.publisher,
      logger: this.logger,
      metrics: this.metrics,
      partitionsConcurrently: this.options.config.partitionsConcurrently,
      ...options,
      batchHandler:
        options.batchHandler ??
        (options.inLanes
          ? inLanes(options.handler, { concurrency: this.options.config.conversationsConcurrently })
          : undefined),
      isUnavailable: (err) => isRedisConnectionError(err) || (options.isUnavailable?.(err) ?? false),
    });
    this.consumers.push(consumer as unknown as BusConsumer<DescMessage>);
    if (options.affectsReadiness ?? true) this.readinessConsumers.push(consumer as unknown as BusConsumer<DescMessage>);
  }

  /** Runs `close` during shutdown after the consumers stopped and before Kafka and Redis disconnect. */
  onClose(name: string, close: () => Promise<unknown> | unknown): void {
    this.extraClose.push({ name, close });
  }

  async start(): Promise<void> {
    const { config } = this.options;
    handleShutdown(this.closeSteps(), this.logger);
    await this.http.listen({ port: this.options.httpPort, host: this.options.httpHost ?? '0.0.0.0' });
    await connectRedis(this.redis, this.logger, this.stopping.signal);
    if (this.stopping.signal.aborted) return;
    if (this.options.createTopics ?? true) {
      const created = await ensureTopics(this.kafka, this.names, {
        partitions: config.topicPartitions,
        replicationFactor: config.topicReplicationFactor,
      });
      if (created.length > 0) this.logger.info({ topics: created }, 'created topics');
    }
    await this.publisher.connect();
    await this.kafkaHealth.start();
    for (const consumer of this.consumers) await consumer.start();
    this.logger.info({ port: this.options.httpPort }, 'started');
  }

  /**
   * The order matters: stop taking HTTP work, finish and commit the batch in hand, then disconnect. The
   * consumers stop together: each waits for its fetch in flight (up to kafkajs's maxWaitTime, 5 s) and its
   * batch, and one after another the status service's seven to eleven took longer than Docker's 10 s grace.
   */
  closeSteps(): CloseStep[] {
    return [
      { name: 'http', close: () => this.http.close() },
      { name: 'consumers', close: () => Promise.all(this.consumers.map((c) => c.stop())) },
      ...this.extraClose,
      { name: 'kafka-health', close: () => this.kafkaHealth.stop() },
      { name: 'producer', close: () => this.publisher.disconnect() },
      { name: 'redis', close: () => this.redis.quit().catch(() => this.redis.disconnect()) },
    ];
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    for (const step of this.closeSteps()) {
      try {
        await step.close();
      } catch (err) {
        this.logger.warn({ err: (err as Error).message, step: step.name }, 'close step failed');
      }
    }
  }
}
