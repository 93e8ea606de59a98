// Token buckets for the stand-ins' rate limits: Slack's per-channel posting limit and Asana's per-token budget.

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes one token: 0 when allowed, else the whole seconds to wait before one is there (Retry-After). */
  take(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.ratePerSecond));
  }
}

/** One bucket per key (a channel, a token), all with the same rate and burst. */
export class KeyedLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {}

  take(key: string, now = Date.now()): number {
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.ratePerSecond, this.burst, now)));
    return bucket.take(now);
  }
}
