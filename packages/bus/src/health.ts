// Whether Kafka answers, for /readyz: a cheap metadata request on an interval, each bounded in time.
// A producer alone cannot tell: kafkajs keeps it "connected" while the broker is away.
import type { Admin, Kafka } from 'kafkajs';

/**
 * A question put to Kafka on an interval through an admin client, each time bounded in time; no answer (an
 * error, a timeout) counts as "no". The shared shape of the readiness probes (KafkaHealth, and ingress's
 * partition-leaders check).
 */
export class KafkaProbe {
  private admin?: Admin;
  private timer?: NodeJS.Timeout;
  private answer = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly ask: (admin: Admin) => Promise<boolean>,
    private readonly intervalMs = 5000,
    private readonly timeoutMs = 3000,
  ) {}

  /** The last answer. */
  latest(): boolean {
    return this.answer;
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
      this.answer = await Promise.race([
        admin.connect().then(() => this.ask(admin)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), this.timeoutMs);
        }),
      ]);
    } catch {
      this.answer = false;
      // A fresh admin next time: kafkajs admins do not always recover from a broker restart.
      await this.admin?.disconnect().catch(() => undefined);
      this.admin = undefined;
    } finally {
      clearTimeout(timer);
    }
    return this.answer;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.admin?.disconnect().catch(() => undefined);
  }
}

/** Whether Kafka answers at all: a cluster description. */
export class KafkaHealth extends KafkaProbe {
  constructor(kafka: Kafka, intervalMs = 5000, timeoutMs = 3000) {
    super(kafka, async (admin) => (await admin.describeCluster(), true), intervalMs, timeoutMs);
  }

  isUp(): boolean {
    return this.latest();
  }
}
