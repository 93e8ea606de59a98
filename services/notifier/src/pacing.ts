// Slack's rate limits as budgets shared by every notifier replica (RateBudget, a token bucket in Redis):
// posts per channel, and chat.update for the whole workspace. Waiting is counted in the shared
// switchboard_rate_limit_wait_seconds_total{api="slack"}.
import type { Redis } from 'ioredis';
import { sleep, type Metrics } from '@switchboard/core';
import { RateBudget, type Keys } from '@switchboard/store';

/** Budget names in Redis (keys.rateBudget): any service posting to the triage channels shares them. */
export const SLACK_POST_BUDGET = 'slack-post';
export const SLACK_UPDATE_BUDGET = 'slack-update';

export interface PacingOptions {
  postIntervalMs: number;
  postBurst: number;
  updatesPerMinute: number;
}

export interface SlotAnswer {
  /** A slot was free and is taken: post now. */
  now: boolean;
  /** Otherwise, how long until one would be free. */
  waitMs: number;
}

export class SlackPacing {
  private readonly posts: RateBudget;
  private readonly updates: RateBudget;

  constructor(
    redis: Redis,
    keys: Keys,
    private readonly metrics: Metrics,
    options: PacingOptions,
  ) {
    this.posts = new RateBudget(redis, keys, SLACK_POST_BUDGET, { ratePerSecond: 1000 / options.postIntervalMs, burst: options.postBurst });
    this.updates = new RateBudget(redis, keys, SLACK_UPDATE_BUDGET, { ratePerSecond: options.updatesPerMinute / 60, burst: Math.max(1, Math.min(5, Math.floor(options.updatesPerMinute / 10))) });
  }

  /**
   * Takes a post slot of the channel if one is free now; otherwise books nothing and says how long the wait
   * would be, so the caller can choose the digest instead of a long wait.
   */
  async trySlot(channel: string): Promise<SlotAnswer> {
    const answer = await this.posts.tryTake(channel);
    return { now: answer.allowed, waitMs: answer.allowed ? 0 : answer.waitMs };
  }

  /** Books the channel's next post slot and waits for it. */
  async waitForPost(channel: string): Promise<void> {
    const { waitMs } = await this.posts.reserve(channel);
    await this.wait(waitMs);
  }

  /**
   * Takes a chat.update slot if one is free within `maxWaitMs` (waiting for it), else books nothing and
   * answers false: for updates that can as well be made on a later occasion.
   */
  async updateSlotWithin(maxWaitMs: number): Promise<boolean> {
    const answer = await this.updates.tryTake();
    if (answer.allowed) return true;
    if (answer.waitMs > maxWaitMs) return false;
    await this.waitForUpdate();
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
