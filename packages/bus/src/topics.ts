// The Kafka topics, each named once with the protobuf schema of its messages. Key = conversation id,
// so one conversation's events stay in order on one partition.
import {
  ClassifiedEventSchema,
  MessageEventSchema,
  OperatorMessageSchema,
  StatusEventSchema,
  type DescMessage,
} from '@switchboard/proto';

export interface TopicSpec<S extends DescMessage = DescMessage> {
  /** The base name; the deployed name is the configured prefix + this. */
  readonly base: string;
  readonly schema: S;
}

export const Topics = {
  raw: { base: 'conv.raw', schema: MessageEventSchema },
  classified: { base: 'conv.classified', schema: ClassifiedEventSchema },
  status: { base: 'conv.status', schema: StatusEventSchema },
  outbound: { base: 'bot.outbound', schema: OperatorMessageSchema },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof Topics;

export const DLQ_SUFFIX = '.dlq';

/** Resolves deployed topic names from a prefix (KAFKA_TOPIC_PREFIX). */
export class TopicNames {
  constructor(readonly prefix = '') {}

  name(topic: TopicKey | TopicSpec): string {
    const spec = typeof topic === 'string' ? Topics[topic] : topic;
    return this.prefix + spec.base;
  }

  dlq(topic: TopicKey | TopicSpec): string {
    return this.name(topic) + DLQ_SUFFIX;
  }

  /** Every topic the system needs, DLQs included. */
  all(): string[] {
    return (Object.keys(Topics) as TopicKey[]).flatMap((key) => [this.name(key), this.dlq(key)]);
  }
}
