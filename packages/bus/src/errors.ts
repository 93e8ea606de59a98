// How a consumer treats a handler's failure, decided here once for every service:
// - PermanentError: retrying cannot help (a 4xx from Slack, an invalid event) → DLQ at once.
// - UnavailableError: a dependency is away (Kafka, Redis, Slack 5xx, 429) → retry without limit, the
//   consumer holds its position and reports not ready; nothing is committed.
// - anything else: a bug or a surprise → a few retries, then DLQ, so one message never blocks a partition.

export class PermanentError extends Error {
  constructor(
    message: string,
    readonly reason = 'permanent',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

export class UnavailableError extends Error {
  constructor(
    message: string,
    readonly dependency: string,
    /** When the dependency said when to come back (Retry-After), in ms. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UnavailableError';
  }
}

/**
 * The "dependency" of an UnavailableError that is another replica holding a lock (contention, normal while a
 * group rebalances or a crashed replica's locks run out): retried without limit like an outage, but the
 * consumer stays ready — nothing it depends on is away, and a replica that reported not ready here would hold
 * up a rolling update behind its own peer.
 */
export const CONTENTION = 'lock';

/** A batch left part-way because its partition moved on or the consumer is stopping; the rest is redelivered. */
export class BatchStoppedError extends Error {
  constructor() {
    super("stopped part-way: the partition is no longer this consumer's, or it is stopping");
    this.name = 'BatchStoppedError';
  }
}

export type FailureDecision =
  | { action: 'dlq'; reason: string }
  | {
      action: 'retry';
      delayMs?: number;
      unlimited: boolean;
      /** The consumer reports not ready while it retries this (a dependency away, not contention). */
      blocking?: boolean;
    };

export function decideFailure(
  err: unknown,
  attempt: number,
  maxAttempts: number,
  isUnavailable: (err: unknown) => boolean = () => false,
): FailureDecision {
  if (err instanceof PermanentError) return { action: 'dlq', reason: err.reason };
  if (err instanceof UnavailableError)
    return { action: 'retry', delayMs: err.retryAfterMs, unlimited: true, blocking: err.dependency !== CONTENTION };
  if (isUnavailable(err)) return { action: 'retry', unlimited: true, blocking: true };
  if (attempt >= maxAttempts) return { action: 'dlq', reason: 'handler_failed' };
  return { action: 'retry', unlimited: false };
}
