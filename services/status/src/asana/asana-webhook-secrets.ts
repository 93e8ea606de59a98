// Where the Asana webhook's secret lives (Redis, shared by replicas), the random path segment of the
// registered target, and the segment of a registration under way: a handshake counts only when it comes
// to that segment while that registration is open, so nobody can plant a secret by racing us.
import { randomBytes } from 'node:crypto';
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';

/** Takes the handshake only at the pending segment: compare, then keep the secret and the target. */
const ACCEPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], ARGV[1])
return 1`;

export const SEGMENT = /^[A-Za-z0-9_-]{32}$/;

export class AsanaWebhookSecrets {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
  ) {}

  /** The secret the last handshake stored, if any. */
  current(): Promise<string | null> {
    return this.redis.get(this.keys.asanaWebhookSecret());
  }

  /** The segment of the registered target, if any. */
  targetSegment(): Promise<string | null> {
    return this.redis.get(this.keys.asanaWebhookTarget());
  }

  /** A registration of ours begins: a new unguessable segment, the only one a handshake is taken at for `seconds`. */
  async openHandshake(seconds: number): Promise<string> {
    const segment = randomBytes(24).toString('base64url');
    await this.redis.set(this.keys.asanaWebhookHandshake(), segment, 'EX', seconds);
    return segment;
  }

  async closeHandshake(): Promise<void> {
    await this.redis.del(this.keys.asanaWebhookHandshake());
  }

  /** Keeps the handshake's secret if it came to the segment of the registration under way; false otherwise. */
  async acceptHandshake(segment: string, secret: string): Promise<boolean> {
    if (!SEGMENT.test(segment)) return false;
    const k = this.keys;
    return (
      (await this.redis.eval(
        ACCEPT,
        3,
        k.asanaWebhookHandshake(),
        k.asanaWebhookSecret(),
        k.asanaWebhookTarget(),
        segment,
        secret,
      )) === 1
    );
  }
}
