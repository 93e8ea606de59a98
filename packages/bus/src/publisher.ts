// Publishing to the bus: an idempotent producer with acks=all, so "sent" means durably on every in-sync
// replica. Callers answer their own clients only after send() resolved.
import type { Kafka, Producer, IHeaders } from 'kafkajs';
import type { DescMessage, MessageShape } from '@switchboard/proto';
import { encode } from './codec';
import type { TopicNames, TopicSpec } from './topics';

export interface Outgoing<S extends DescMessage> {
  /** The conversation id: one conversation's events stay in order on one partition. */
  key: string;
  value: MessageShape<S>;
  headers?: IHeaders;
}

export class Publisher {
  private readonly producer: Producer;
  private connected = false;

  constructor(
    kafka: Kafka,
    private readonly names: TopicNames,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, allowAutoTopicCreation: false });
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  isConnected(): boolean {
    return this.connected;
  }

  async publish<S extends DescMessage>(topic: TopicSpec<S>, messages: Outgoing<S>[]): Promise<void> {
    if (messages.length === 0) return;
    await this.producer.send({
      topic: this.names.name(topic),
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: encode(topic.schema, m.value), headers: m.headers })),
    });
  }

  /** Raw bytes, for the dead-letter topics and replay: the original message is kept as it was. */
  async publishRaw(topic: string, messages: { key: Buffer | string | null; value: Buffer | null; headers?: IHeaders }[]): Promise<void> {
    await this.producer.send({ topic, acks: -1, messages });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
