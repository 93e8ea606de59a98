// Whether every partition of conv.raw has a leader, for /readyz: a publish to a leaderless partition
// cannot be acknowledged, so a load balancer should send bots to another replica meanwhile. Kafka's
// metadata is asked on an interval, each request bounded in time; no answer counts as not ready.
import type { Kafka } from 'kafkajs';
import { KafkaProbe } from '@switchboard/bus';

export interface TopicPartitions {
  partitions: { partitionId: number; leader: number }[];
}

/** Pure: true when the topic has partitions and each has a leader (kafkajs reports -1 for none). */
export function allPartitionsLed(topic: TopicPartitions | undefined): boolean {
  return topic !== undefined && topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0);
}

export class PartitionLeaders extends KafkaProbe {
  constructor(kafka: Kafka, topic: string, intervalMs = 5000, timeoutMs = 3000) {
    super(
      kafka,
      async (admin) =>
        allPartitionsLed((await admin.fetchTopicMetadata({ topics: [topic] })).topics.find((t) => t.name === topic)),
      intervalMs,
      timeoutMs,
    );
  }

  isReady(): boolean {
    return this.latest();
  }
}
