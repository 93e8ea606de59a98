// Where the Asana webhook's secret lives (Redis, shared by replicas) and the marker that one of our own
// registrations is under way, which alone lets a handshake set the secret.
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';

export class AsanaWebhookSecrets {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
  ) {}

  /** The secret the last handshake stored, if any. */
  current(): Promise<string | null> {
    return this.redis.get(this.keys.asanaWebhookSecret());
  }

  /** A registration of ours begins: for `seconds`, one handshake may set the secret. */
  async openHandshake(seconds: number): Promise<void> {
    await this.redis.set(this.keys.asanaWebhookHandshake(), '1', 'EX', seconds);
  }

  async closeHandshake(): Promise<void> {
    await this.redis.del(this.keys.asanaWebhookHandshake());
  }

  /** Keeps the handshake's secret if a registration of ours is under way (once); false otherwise. */
  async acceptHandshake(secret: string): Promise<boolean> {
    if (!(await this.redis.getdel(this.keys.asanaWebhookHandshake()))) return false;
    await this.redis.set(this.keys.asanaWebhookSecret(), secret);
    return true;
  }
}
