// Slack and Asana deliver again when they think we missed a request. The first delivery of an id claims it
// (SET NX) and does the work; later ones find the claim and stop. If the work fails the claim is dropped,
// so the next delivery (or the operator's next click) tries again.
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from './status-keys';

const REMEMBER_SECONDS = 24 * 60 * 60;

export class InboundOnce {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
  ) {}

  /** True when this call did the work; false when an earlier delivery already had. */
  async run(source: string, id: string, work: () => Promise<void>): Promise<boolean> {
    const key = this.keys.inboundSeen(source, id);
    const claimed = await this.redis.set(key, String(Date.now()), 'EX', REMEMBER_SECONDS, 'NX');
    if (claimed === null) return false;
    try {
      await work();
      return true;
    } catch (err) {
      await this.redis.del(key).catch(() => undefined);
      throw err;
    }
  }
}
