// Whether Kafka answers, for /readyz: a cheap metadata request on an interval, each bounded in time.
// A producer alone cannot tell: kafkajs keeps it "connected" while the broker is away.
import type { Admin, Kafka } from 'kafkajs';

export class KafkaHealth {
  private admin?: Admin;
  private timer?: NodeJS.Timeout;
  private up = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly intervalMs = 5000,
    private readonly timeoutMs = 3000,
  ) {}

  isUp(): boolean {
    return this.up;
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
      await Promise.race([
        admin.connect().then(() => admin.describeCluster()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), this.timeoutMs);
        }),
      ]);
      this.up = true;
    } catch {
      this.up = false;
      // A fresh admin next time: kafkajs admins do not always recover from a broker restart.
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
    } finally {
      clearTimeout(timer);
    }
    return this.up;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }
}
