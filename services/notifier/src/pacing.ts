// Slack's rate limits as budgets shared by every notifier replica (RateBudget, a token bucket in Redis):
// posts per channel, and chat.update for the whole workspace. Waiting is counted in the shared
// switchboard_rate_limit_wait_seconds_total{api="slack"}. Every post also runs inside the budget's call gate
// (`post`), which spaces posts by when they end, not only by when their slots were booked.
import type { Redis } from 'ioredis';
import { sleep, type Metrics } from '@switchboard/core';
import { RateBudget, type Keys } from '@switchboard/store';

/** Budget names in Redis (keys.rateBudget): any service posting to the triage channels shares them. */
export const SLACK_POST_BUDGET = 'slack-post';
export const SLACK_UPDATE_BUDGET = 'slack-update';

export interface PacingOptions {
  postIntervalMs: number;
  /** The longest a Slack call can take (the client's timeout): a replica dying mid-post holds the channel that long. */
  callLeaseMs: number;
  postBurst: number;
  updatesPerMinute: number;
}

export interface SlotAnswer {
  /** A slot was free and is taken: post now. */
  now: boolean;
  /** A slot is taken, now or within the limit asked for: post after `waitMs` (`waitFor`). */
  booked: boolean;
  /** How long until the booked slot, or (none booked) until one would be free. */
  waitMs: number;
}

export class SlackPacing {
  private readonly posts: RateBudget;
  private readonly updates: RateBudget;

  constructor(
    redis: Redis,
    keys: Keys,
    private readonly metrics: Metrics,
    private readonly options: PacingOptions,
  ) {
    this.posts = new RateBudget(redis, keys, SLACK_POST_BUDGET, {
      ratePerSecond: 1000 / options.postIntervalMs,
      burst: options.postBurst,
    });
    this.updates = new RateBudget(redis, keys, SLACK_UPDATE_BUDGET, {
      ratePerSecond: options.updatesPerMinute / 60,
      burst: Math.max(1, Math.min(5, Math.floor(options.updatesPerMinute / 10))),
    });
  }

  /**
   * Takes the channel's next post slot if it comes within `maxWaitMs` (0: only a free one; Infinity: any);
   * otherwise books nothing and says how long the wait would be, so the caller can choose the digest instead of
   * a long wait. Looking and booking are one step in Redis: many conversations asking at once (lanes, replicas)
   * never book slots beyond the limit, which would make each wait longer than it decided to and hold its
   * conversation's lock that long.
   */
  async trySlot(channel: string, maxWaitMs = 0): Promise<SlotAnswer> {
    const answer = await this.posts.reserveWithin(channel, maxWaitMs);
    return { now: answer.allowed && answer.waitMs === 0, booked: answer.allowed, waitMs: answer.waitMs };
  }

  /** Waits for a slot `trySlot` booked. */
  async waitFor(slot: SlotAnswer): Promise<void> {
    if (slot.booked) await this.wait(slot.waitMs);
  }

  /** Books the channel's next post slot and waits for it. */
  async waitForPost(channel: string): Promise<void> {
    const { waitMs } = await this.posts.reserve(channel);
    await this.wait(waitMs);
  }

  /**
   * Runs one chat.postMessage to the channel once its slot is booked (trySlot / waitForPost): it leaves only a
   * full post interval after the channel's previous post ended, so Slack, which counts a post when it arrives,
   * never sees two closer than that however late the previous one left (RateBudget.call).
   */
  post<T>(channel: string, send: () => Promise<T>): Promise<T> {
    return this.posts.call(channel, this.options.callLeaseMs, send, (ms) =>
      this.metrics.rateLimitWaitSeconds.inc({ api: 'slack' }, ms / 1000),
    );
  }

  /**
   * Takes a chat.update slot if one is free within `maxWaitMs` (waiting for it), else books nothing and
   * answers false: for updates that can as well be made on a later occasion.
   */
  async updateSlotWithin(maxWaitMs: number): Promise<boolean> {
    const answer = await this.updates.reserveWithin('', maxWaitMs);
    if (!answer.allowed) return false;
    await this.wait(answer.waitMs);
    return true;
  }

  /** Books the next chat.update slot and waits for it. */
  async waitForUpdate(): Promise<void> {
    const { waitMs } = await this.updates.reserve();
    await this.wait(waitMs);
  }

  private async wait(ms: number): Promise<void> {
    if (ms <= 0) return;
    this.metrics.rateLimitWaitSeconds.inc({ api: 'slack' }, ms / 1000);
    await sleep(ms);
  }
}
