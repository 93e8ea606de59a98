// Whether every partition of conv.raw has a leader, for /readyz: a publish to a leaderless partition
// cannot be acknowledged, so a load balancer should send bots to another replica meanwhile. Kafka's
// metadata is asked on an interval, each request bounded in time; no answer counts as not ready.
import type { Admin, Kafka } from 'kafkajs';

export interface TopicPartitions {
  partitions: { partitionId: number; leader: number }[];
}

/** Pure: true when the topic has partitions and each has a leader (kafkajs reports -1 for none). */
export function allPartitionsLed(topic: TopicPartitions | undefined): boolean {
  return topic !== undefined && topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0);
}

export class PartitionLeaders {
  private admin?: Admin;
  private timer?: NodeJS.Timeout;
  private led = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly intervalMs = 5000,
    private readonly timeoutMs = 3000,
  ) {}

  isReady(): boolean {
    return this.led;
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  async check(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      this.admin ??= this.kafka.admin({ retry: { retries: 0 } });
      const admin = this.admin;
      const metadata = await Promise.race([
        admin.connect().then(() => admin.fetchTopicMetadata({ topics: [this.topic] })),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), this.timeoutMs);
        }),
      ]);
      this.led = allPartitionsLed(metadata.topics.find((t) => t.name === this.topic));
    } catch {
      this.led = false;
      // A fresh admin next time: kafkajs admins do not always recover from a broker restart.
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
    } finally {
      clearTimeout(timer);
    }
    return this.led;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
