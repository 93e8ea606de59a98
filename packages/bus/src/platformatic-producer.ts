// The Publisher's transport on @platformatic/kafka (KAFKA_CLIENT=platformatic): idempotent, acks=all, keys
// placed on partitions as kafkajs and the Java client place them, TLS/SASL from the same config as kafkajs.
import { Admin, Producer, ProduceAcks, compatibilityPartitioner, type ProducerOptions } from '@platformatic/kafka';
import type { KafkaSecurity } from '@switchboard/core';
import type { KafkaConnection } from './kafka';
import type { OutgoingRecord, ProducerTransport, TopicRecords } from './producer-transport';

type Options = ProducerOptions<Buffer, Buffer, Buffer, Buffer>;

/** @platformatic/kafka's tls and sasl options from the config's: fresh objects, the secrets copied in only here. */
export function platformaticSecurityOptions(security: KafkaSecurity | undefined): Pick<Options, 'tls' | 'sasl'> {
  const out: Pick<Options, 'tls' | 'sasl'> = {};
  const { tls, sasl } = security ?? {};
  if (tls) {
    out.tls = {
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca !== undefined ? { ca: [tls.ca] } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
    };
  }
  if (sasl) {
    const mechanism = ({ plain: 'PLAIN', 'scram-sha-256': 'SCRAM-SHA-256', 'scram-sha-512': 'SCRAM-SHA-512' } as const)[
      sasl.mechanism
    ];
    out.sasl = { mechanism, username: sasl.username, password: sasl.password };
  }
  return out;
}

/** The same ladder as the kafkajs client: 300 ms doubling up to 10 s. */
export const retryDelay = (_client: unknown, _operation: string, attempt: number) =>
  Math.min(10000, 300 * 2 ** Math.min(attempt - 1, 6));

/** Kafka headers as Buffers; a repeated header keeps every value (distinct Buffer keys in the Map). */
function headersOf(headers: OutgoingRecord['headers']): Map<Buffer, Buffer> | undefined {
  if (!headers) return undefined;
  const out = new Map<Buffer, Buffer>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value])
      out.set(Buffer.from(name), typeof one === 'string' ? Buffer.from(one) : one);
  }
  return out;
}

/**
 * An error in one line: the errors it gathers (the library reports retries as one error of many), its
 * causes, and what the broker said (a SASL failure's reason is the server's message, not the error's).
 */
export function describeError(err: unknown): string {
  const messages = new Set<string>();
  const walk = (e: unknown) => {
    if (!(e instanceof Error)) return void messages.add(String(e));
    const { errors, serverErrorMessage } = e as { errors?: unknown[]; serverErrorMessage?: unknown };
    if (Array.isArray(errors) && errors.length > 0) errors.forEach(walk);
    else messages.add(e.message);
    if (typeof serverErrorMessage === 'string' && serverErrorMessage !== '') messages.add(serverErrorMessage);
    if (e.cause) walk(e.cause);
  };
  walk(err);
  return [...messages].join('; ');
}

export class PlatformaticProducer implements ProducerTransport {
  /**
   * One: the library advances its idempotence sequence numbers when a produce is answered, so two sends in
   * flight to one partition carry the same numbers and the broker refuses the second
   * (OUT_OF_ORDER_SEQUENCE_NUMBER). Group commit still puts everything queued meanwhile in the next send.
   */
  readonly maxConcurrentSends = 1;
  private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  private connected = false;
  private brokerDownSaid = false;
  /** The client connect() reaches the brokers with, while it tries. */
  private probe?: Admin;

  constructor(private readonly connection: KafkaConnection) {
    const log = connection.logger.child({ component: 'platformatic-kafka' });
    this.producer = new Producer({
      clientId: connection.clientId,
      bootstrapBrokers: connection.brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      // murmur2 masked positive, as kafkajs's DefaultPartitioner and the Java client: a conversation stays on
      // its partition whichever client produced it (the library's own default differs for negative hashes).
      partitioner: compatibilityPartitioner,
      autocreateTopics: false,
      // As with kafkajs: while Kafka is away a publish waits for it; ingress bounds its own wait.
      retries: true,
      retryDelay,
      ...(connection.security?.tls ? { connectTimeout: 5000 } : {}),
      ...platformaticSecurityOptions(connection.security),
    });
    this.producer.on('client:broker:failed', (event: { broker?: { host: string; port: number } }) => {
      if (this.brokerDownSaid) return;
      this.brokerDownSaid = true;
      log.warn({ broker: event?.broker }, 'cannot reach a Kafka broker; retrying');
    });
    this.producer.on('client:broker:connect', () => (this.brokerDownSaid = false));
  }

  /**
   * Reaches the brokers (TLS, SASL, API versions) with the connection's bounded retries, as kafkajs's
   * connect does, so a wrong password or certificate fails here with what the broker said; the producer's
   * own retries (without limit) are for sends.
   */
  async connect(): Promise<void> {
    const { connection } = this;
    const probe = (this.probe = new Admin({
      clientId: connection.clientId,
      bootstrapBrokers: connection.brokers,
      retries: connection.retries ?? 12,
      retryDelay,
      ...(connection.security?.tls ? { connectTimeout: 5000 } : {}),
      ...platformaticSecurityOptions(connection.security),
    }));
    try {
      await probe.metadata({ topics: [] });
    } catch (err) {
      throw new Error(`cannot connect to Kafka: ${describeError(err)}`, { cause: err });
    } finally {
      this.probe = undefined;
      await probe.close().catch(() => undefined);
    }
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  async send(topicMessages: TopicRecords[]): Promise<void> {
    const messages = topicMessages.flatMap(({ topic, messages: records }) =>
      records.map((m) => ({
        topic,
        key: m.key === null ? undefined : typeof m.key === 'string' ? Buffer.from(m.key) : m.key,
        value: m.value ?? undefined,
        headers: headersOf(m.headers),
      })),
    );
    await this.producer.send({ messages });
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    // A connect still retrying (no broker yet) stops too.
    await this.probe?.close().catch(() => undefined);
    // Forced: a send still retrying against an absent broker is abandoned (its caller sees the error), as
    // kafkajs's disconnect does.
    await this.producer.close(true);
  }
}
