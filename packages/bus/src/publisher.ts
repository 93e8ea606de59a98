// Publishing to the bus: an idempotent producer with acks=all, so "sent" means durably on every in-sync
// replica. Callers answer their own clients only after publish() resolved.
// Group commit: kafkajs sends each send() as its own request, and one-message requests cap a producer at
// ~2,000 messages/s here while batches of 100 reach ~30,000 (bench/). So publishes that arrive while a
// send is in flight are queued and go together in the next send (one in flight: see maxConcurrentSends);
// each caller's promise settles with the send that carried its messages. A lone caller waits no longer.
// The client library (kafkajs or @platformatic/kafka) is the Kafka handle's choice (KAFKA_CLIENT).
import type { IHeaders } from 'kafkajs';
import type { DescMessage, MessageShape } from '@switchboard/proto';
import { encode } from './codec';
import { BusKafka, type Kafka } from './kafka';
import { PlatformaticProducer } from './platformatic-producer';
import { KafkajsProducer, type OutgoingRecord, type ProducerTransport } from './producer-transport';
import type { TopicNames, TopicSpec } from './topics';

type Message = OutgoingRecord;

export interface Outgoing<S extends DescMessage> {
  /** The conversation id: one conversation's events stay in order on one partition. */
  key: string;
  value: MessageShape<S>;
  headers?: IHeaders;
}

interface Queued {
  topic: string;
  messages: Message[];
  /** Bytes of the messages' keys and values. */
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Messages in one send at most. The byte bound below is what keeps a send within the broker's limits; this
 * one only bounds a send's size in messages. With one send in flight it is also how many waiting messages
 * one round trip can take: at 1,000, 64 posters of 100 events needed seven sends in a row (bench/).
 */
const MAX_MESSAGES_PER_SEND = 4000;
/**
 * Bytes in one send at most. Kafka refuses a record batch over its max.message.bytes (1 MiB by default) with
 * MESSAGE_TOO_LARGE, and kafkajs puts one partition's messages of a send in one batch: a request of many
 * events for one conversation would otherwise fail for good however often it is retried.
 */
const MAX_BYTES_PER_SEND = 512 * 1024;

const sizeOf = (m: Message) =>
  (m.value ? Buffer.byteLength(m.value as Buffer) : 0) + (m.key ? Buffer.byteLength(m.key as string) : 0);

/** Splits messages into runs of at most MAX_BYTES_PER_SEND bytes (a single larger message is a run alone). */
function chunksOf(messages: Message[]): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (current.length > 0 && (bytes + size > MAX_BYTES_PER_SEND || current.length >= MAX_MESSAGES_PER_SEND)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The transport for a handle's client library. */
function transportFor(kafka: Kafka): ProducerTransport {
  if (kafka instanceof BusKafka && kafka.client === 'platformatic') return new PlatformaticProducer(kafka.connection);
  return new KafkajsProducer(kafka);
}

export class Publisher {
  private readonly producer: ProducerTransport;
  private readonly queue: Queued[] = [];
  private sending = 0;
  /** Messages and value bytes handed to publish() and not yet acknowledged or failed. */
  private readonly unsettled = { messages: 0, bytes: 0 };

  constructor(
    kafka: Kafka,
    private readonly names: TopicNames,
  ) {
    this.producer = transportFor(kafka);
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  isConnected(): boolean {
    return this.producer.isConnected();
  }

  /** What is held in memory waiting for Kafka: a caller that must not grow it without bound checks this. */
  pending(): { messages: number; bytes: number } {
    return { ...this.unsettled };
  }

  publish<S extends DescMessage>(topic: TopicSpec<S>, messages: Outgoing<S>[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const encoded = messages.map((m) => ({ key: m.key, value: encode(topic.schema, m.value), headers: m.headers }));
    const bytes = encoded.reduce((sum, m) => sum + sizeOf(m), 0);
    this.unsettled.messages += encoded.length;
    this.unsettled.bytes += bytes;
    const settle = () => {
      this.unsettled.messages -= encoded.length;
      this.unsettled.bytes -= bytes;
    };
    return new Promise((resolve, reject) => {
      this.queue.push({
        topic: this.names.name(topic),
        messages: encoded,
        bytes,
        resolve: () => (settle(), resolve()),
        reject: (err) => (settle(), reject(err)),
      });
      this.pump();
    });
  }

  private pump(): void {
    while (this.sending < this.producer.maxConcurrentSends && this.queue.length > 0) {
      const batch: Queued[] = [];
      let size = 0;
      let bytes = 0;
      const fits = (next: Queued) =>
        size + next.messages.length <= MAX_MESSAGES_PER_SEND && bytes + next.bytes <= MAX_BYTES_PER_SEND;
      while (this.queue.length > 0 && (batch.length === 0 || fits(this.queue[0]))) {
        const next = this.queue.shift()!;
        batch.push(next);
        size += next.messages.length;
        bytes += next.bytes;
      }
      this.sending += 1;
      this.send(batch)
        .then(
          () => batch.forEach((item) => item.resolve()),
          (err) => batch.forEach((item) => item.reject(err)),
        )
        .finally(() => {
          this.sending -= 1;
          this.pump();
        });
    }
  }

  /** One sendBatch for a batch that fits; a single publish too large for one send goes in order, chunk by chunk. */
  private async send(batch: Queued[]): Promise<void> {
    if (
      batch.length === 1 &&
      (batch[0].bytes > MAX_BYTES_PER_SEND || batch[0].messages.length > MAX_MESSAGES_PER_SEND)
    ) {
      const [item] = batch;
      for (const chunk of chunksOf(item.messages)) await this.producer.send([{ topic: item.topic, messages: chunk }]);
      return;
    }
    const byTopic = new Map<string, Message[]>();
    for (const item of batch) {
      const messages = byTopic.get(item.topic);
      if (messages) for (const m of item.messages) messages.push(m);
      else byTopic.set(item.topic, [...item.messages]);
    }
    await this.producer.send([...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })));
  }

  /** Raw bytes, for the dead-letter topics and replay: the original message is kept as it was. */
  async publishRaw(
    topic: string,
    messages: { key: Buffer | string | null; value: Buffer | null; headers?: IHeaders }[],
  ): Promise<void> {
    await this.producer.send([{ topic, messages }]);
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
