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

export type FailureDecision =
  { action: 'dlq'; reason: string } | { action: 'retry'; delayMs?: number; unlimited: boolean };

export function decideFailure(
  err: unknown,
  attempt: number,
  maxAttempts: number,
  isUnavailable: (err: unknown) => boolean = () => false,
): FailureDecision {
  if (err instanceof PermanentError) return { action: 'dlq', reason: err.reason };
  if (err instanceof UnavailableError) return { action: 'retry', delayMs: err.retryAfterMs, unlimited: true };
  if (isUnavailable(err)) return { action: 'retry', unlimited: true };
  if (attempt >= maxAttempts) return { action: 'dlq', reason: 'handler_failed' };
  return { action: 'retry', unlimited: false };
}
