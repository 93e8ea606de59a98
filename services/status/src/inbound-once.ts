// Slack and Asana deliver again when they think we missed a request; console forms may be sent twice. Each
// delivery id goes through a claim in Redis: in progress (short TTL, renewed while the work runs) → done (a
// day). A delivery that finds the work in progress waits briefly for its outcome, else is told to come back
// (StillWorking → 503), never "duplicate" before the work is durably done; a failed work releases the claim.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@switchboard/core';
import type { Redis } from '@switchboard/store';
import type { StatusKeys } from './status-keys';

const DONE_SECONDS = 24 * 60 * 60;
const WORKING = 'working:';
const POLL_MS = 50;

/** The work of this delivery, or of an earlier one, has not finished within the answer window: try again. */
export class StillWorking extends Error {
  constructor(ms: number) {
    super(
      `not recorded within ${ms} ms (Kafka has not acknowledged yet); the work goes on: deliver again for its outcome`,
    );
    this.name = 'StillWorking';
  }
}

export interface InboundOnceOptions {
  /** How long a request waits for the work (its own, or an earlier delivery's) before StillWorking. */
  answerWithinMs: number;
  /** The in-progress claim's TTL: a holder that dies lets a later delivery redo the work after this. */
  claimMs?: number;
  logger: Logger;
}

/** The claim's state in Redis: absent, held by a running work, or done (any other value, as before). */
type Claim = 'free' | 'working' | 'done';
const claimOf = (value: string | null): Claim =>
  value === null ? 'free' : value.startsWith(WORKING) ? 'working' : 'done';

// Renew and release only our own claim (per-acquisition token): a claim that expired and was taken again is
// the other delivery's.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class InboundOnce {
  private readonly claimMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly options: InboundOnceOptions,
  ) {
    this.claimMs = options.claimMs ?? 30000;
  }

  /**
   * True when this delivery did the work; false when it was already done. Throws StillWorking when the work
   * has not finished within the answer window (it goes on, holding the claim), or the work's own error.
   */
  async run(source: string, id: string, work: () => Promise<void>): Promise<boolean> {
    const key = this.keys.inboundSeen(source, id);
    const until = Date.now() + this.options.answerWithinMs;
    for (;;) {
      const token = `${WORKING}${randomUUID()}`;
      if ((await this.redis.set(key, token, 'PX', this.claimMs, 'NX')) !== null) {
        return this.within(this.hold(key, token, work), until);
      }
      const claim = claimOf(await this.redis.get(key));
      if (claim === 'done') return false;
      if (claim === 'working') {
        if (Date.now() >= until) throw new StillWorking(this.options.answerWithinMs);
        await sleep(POLL_MS);
      }
      // 'free': released or expired between the SET and the GET: claim it again.
    }
  }

  /** Runs the work to its end whoever waits for it: renews the claim, then marks it done or releases it. */
  private async hold(key: string, token: string, work: () => Promise<void>): Promise<void> {
    const renew = setInterval(
      () => {
        this.redis.eval(RENEW, 1, key, token, this.claimMs).catch(() => undefined);
      },
      Math.max(10, Math.floor(this.claimMs / 3)),
    );
    try {
      await work();
    } catch (err) {
      await this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
      throw err;
    } finally {
      clearInterval(renew);
    }
    // Done is the truth whoever holds the claim now: the work is durably recorded.
    await this.redis.set(key, 'done', 'EX', DONE_SECONDS);
  }

  /** The work's outcome if it comes before `until`; StillWorking (and a log line of its outcome later) if not. */
  private async within(running: Promise<void>, until: number): Promise<true> {
    let settled = false;
    const outcome = running.then(
      () => ((settled = true), true as const),
      (err: unknown) => {
        settled = true;
        throw err;
      },
    );
    const wait = Math.max(0, until - Date.now());
    const timer = new AbortController();
    const result = await Promise.race([
      outcome,
      sleep(wait, 'late' as const, { signal: timer.signal }).catch(() => 'late' as const),
    ]).finally(() => timer.abort());
    if (result === true) return true;
    if (!settled) {
      outcome.catch((err: unknown) =>
        this.options.logger.warn(
          { err: (err as Error).message },
          'work of an answered delivery failed after its answer; the claim is released for a redelivery',
        ),
      );
    }
    throw new StillWorking(this.options.answerWithinMs);
  }
}
