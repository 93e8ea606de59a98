// Slack's rate limits as budgets shared by every notifier replica (RateBudget, a token bucket in Redis):
// posts per channel, and chat.update for the whole workspace. Posts waiting for a channel's slot wait in a room
// in Redis (post-waiting-room.ts) and take the slots in precedence order (post-order.ts: urgent roots, then
// high ones, then the rest; nothing defers longer than `maxDeferMs`). Waiting is counted in the shared
// switchboard_rate_limit_wait_seconds_total{api="slack"}. Every post also runs inside the budget's call gate
// (`post`), which spaces posts by when they end, not only by when their slots were taken.
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { sleep, type Metrics } from '@switchboard/core';
import { RateBudget } from '@switchboard/store';
import type { NotifierKeys } from './keys';
import { lookAgainMs, postOrder, postsAhead, type Precedence } from './post-order';
import { PostWaitingRoom } from './post-waiting-room';

/** Budget names in Redis (keys.rateBudget): any service posting to the triage channels shares them. */
export const SLACK_POST_BUDGET = 'slack-post';
export const SLACK_UPDATE_BUDGET = 'slack-update';

/** How long a waiting post's entry outlives its last look (a waiter looks at least every LOOK_BOUNDS.maxMs). */
const HOLD_MS = 15000;
/** Bounds of a waiting post's sleep between looks at the room. */
const LOOK_BOUNDS = { minMs: 50, maxMs: 2000 };
/** Default bound of precedence: a post that has waited this long goes ahead of every later one (post-order.ts). */
export const MAX_DEFER_MS = 30000;

export interface PacingOptions {
  postIntervalMs: number;
  /** The longest a Slack call can take (the client's timeout): a replica dying mid-post holds the channel that long. */
  callLeaseMs: number;
  postBurst: number;
  updatesPerMinute: number;
  /** A post that has waited this long takes the next slot before any post that began to wait later (MAX_DEFER_MS). */
  maxDeferMs?: number;
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
  private readonly room: PostWaitingRoom;
  private readonly maxDeferMs: number;

  constructor(
    redis: Redis,
    keys: NotifierKeys,
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
    this.room = new PostWaitingRoom(redis, (channel) => keys.postWaiting(channel), HOLD_MS);
    this.maxDeferMs = options.maxDeferMs ?? MAX_DEFER_MS;
  }

  /**
   * Takes a post slot of the channel if one is free now and no waiting post goes before this one; otherwise
   * books nothing and says about how long the wait would be (the posts ahead of it, one slot each), so the
   * caller can choose the digest instead of a long wait.
   */
  async trySlot(channel: string, precedence: Precedence = 'other'): Promise<SlotAnswer> {
    const { nowMs, waiting } = await this.room.look(channel);
    const ahead = postsAhead(waiting, precedence, nowMs, this.maxDeferMs);
    if (ahead > 0) return { now: false, waitMs: ahead * this.options.postIntervalMs };
    const answer = await this.posts.tryTake(channel);
    return { now: answer.allowed, waitMs: answer.allowed ? 0 : answer.waitMs };
  }

  /**
   * Waits in the channel's room until this post is the next to go (post-order.ts) and a slot is free, and takes
   * it. Posts of every replica wait in the same room; the slot itself is the shared token bucket's, so however
   * the room is read, no more posts leave than the budget allows.
   */
  async waitForPost(channel: string, precedence: Precedence = 'other'): Promise<void> {
    const id = randomUUID();
    const sinceMs = await this.room.join(channel, id, precedence);
    try {
      for (;;) {
        const { nowMs, waiting } = await this.room.look(channel, id);
        const order = postOrder(waiting, nowMs, this.maxDeferMs);
        const position = order.findIndex((post) => post.id === id);
        // Lapsed (this process stalled longer than the hold, or Redis lost the room): back in, in its old place.
        if (position < 0) await this.room.join(channel, id, precedence, sinceMs);
        let pause: number;
        if (position === 0) {
          const answer = await this.posts.tryTake(channel);
          if (answer.allowed) return;
          pause = Math.min(Math.max(answer.waitMs, 1), LOOK_BOUNDS.maxMs);
        } else {
          pause = lookAgainMs(Math.max(position, 0), this.options.postIntervalMs, LOOK_BOUNDS);
        }
        await this.wait(pause);
      }
    } finally {
      // Not left (Redis away): its hold lapses.
      await this.room.leave(channel, id).catch(() => undefined);
    }
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
