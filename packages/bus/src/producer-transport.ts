// What the Publisher needs from a Kafka client library: connect, one acks=all produce of many messages, and
// disconnect. The kafkajs one is here; the @platformatic/kafka one is in platformatic-producer.ts.
import { Partitioners, type IHeaders, type Kafka, type Producer } from 'kafkajs';

export interface OutgoingRecord {
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export interface TopicRecords {
  topic: string;
  messages: OutgoingRecord[];
}

export interface ProducerTransport {
  /** Sends the Publisher may have in flight at once. */
  readonly maxConcurrentSends: number;
  connect(): Promise<void>;
  /** Connected once connect() succeeded, until disconnect(); it stays so while a broker is away. */
  isConnected(): boolean;
  /** One produce request set, idempotent and acks=all: resolves once every message is acknowledged. */
  send(topicMessages: TopicRecords[]): Promise<void>;
  disconnect(): Promise<void>;
}

export class KafkajsProducer implements ProducerTransport {
  /**
   * One. With two, a producer's first sends to a topic (and sends around a retry) reached the broker out of
   * order and were refused for good with OUT_OF_ORDER_SEQUENCE_NUMBER (bench/kafka-clients.ts showed it:
   * kafkajs numbers a send before it waits for metadata and connections, and rolls the numbers back on a
   * failure). Group commit still puts everything queued meanwhile in the next send.
   */
  readonly maxConcurrentSends = 1;
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // An idempotent producer keeps retrying (kafkajs warns when its retries are limited): while Kafka is
      // away a publish waits for it, which stops a consumer where it is; ingress bounds its own wait.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10000 },
    });
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  isConnected(): boolean {
    return this.connected;
  }

  async send(topicMessages: TopicRecords[]): Promise<void> {
    await this.producer.sendBatch({ acks: -1, topicMessages });
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
