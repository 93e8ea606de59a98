// Slack's side of interactivity and the Events API: posting signed requests to the app as Slack does.
// A click is sent once and waits at most the delivery timeout (Slack shows the person an error after 3 s).
// An event is redelivered while the app does not answer 2xx in time, with X-Slack-Retry-Num and
// X-Slack-Retry-Reason, unless it answers X-Slack-No-Retry: 1.
import { setTimeout as sleep } from 'node:timers/promises';
import { signedHeaders } from './payloads';
import type { SlackSettings } from '../settings';
import type { SandboxState, SlackDelivery } from '../state';

/** Why an attempt got no 2xx: Slack's X-Slack-Retry-Reason values. */
export type RetryReason = 'http_error' | 'http_timeout' | 'connection_failed';

export interface Attempt {
  /** The target's HTTP status; null when it did not answer. */
  status: number | null;
  body: string;
  failure?: RetryReason;
  /** The target asked for no redelivery (X-Slack-No-Retry: 1). */
  noRetry: boolean;
}

const ok = (attempt: Attempt) => attempt.status !== null && attempt.status >= 200 && attempt.status < 300;

export class SlackSender {
  private stopper = new AbortController();

  constructor(
    private readonly state: SandboxState,
    private readonly settings: SlackSettings,
  ) {}

  /** Ends every delivery in flight or waiting for a retry (on reset and on close). */
  stop(): void {
    this.stopper.abort();
    this.stopper = new AbortController();
  }

  /** One signed form post of a block_actions payload to the interactivity URL. */
  async click(target: string, secret: string, body: string, record: SlackDelivery): Promise<Attempt> {
    const attempt = await this.post(target, secret, body, 'application/x-www-form-urlencoded', {}, this.stopper.signal);
    this.finish(record, [attempt]);
    return attempt;
  }

  /** A signed event_callback, redelivered up to three times (same body, so the same event_id). */
  async event(target: string, secret: string, body: string, record: SlackDelivery): Promise<Attempt[]> {
    const stop = this.stopper.signal;
    const attempts: Attempt[] = [];
    let retry: { num: number; reason: RetryReason } | null = null;
    for (;;) {
      const headers: Record<string, string> = retry
        ? { 'x-slack-retry-num': String(retry.num), 'x-slack-retry-reason': retry.reason }
        : {};
      const attempt = await this.post(target, secret, body, 'application/json', headers, stop);
      attempts.push(attempt);
      record.attempts.push(attempt.status ?? attempt.failure ?? 'failed');
      const pause = this.settings.eventRetryDelaysMs[attempts.length - 1];
      if (ok(attempt) || attempt.noRetry || pause === undefined || stop.aborted) break;
      this.state.counters.slackDeliveries.inc('event_retries');
      try {
        await sleep(pause, undefined, { signal: stop });
      } catch {
        break;
      }
      retry = { num: attempts.length, reason: attempt.failure ?? 'http_error' };
    }
    this.finish(record, attempts);
    return attempts;
  }

  private finish(record: SlackDelivery, attempts: Attempt[]): void {
    record.attempts = attempts.map((a) => a.status ?? a.failure ?? 'failed');
    record.ok = ok(attempts[attempts.length - 1]);
    this.state.counters.slackDeliveries.inc(record.ok ? `${record.kind}_delivered` : `${record.kind}_failed`);
  }

  private async post(
    target: string,
    secret: string,
    body: string,
    contentType: string,
    extra: Record<string, string>,
    stop: AbortSignal,
  ): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.settings.deliveryTimeoutMs);
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
          ...signedHeaders(secret, body),
          ...extra,
        },
        body,
        signal: AbortSignal.any([stop, timeout]),
      });
      const text = await response.text();
      const answered: Attempt = {
        status: response.status,
        body: text,
        noRetry: response.headers.get('x-slack-no-retry') === '1',
      };
      return ok(answered) ? answered : { ...answered, failure: 'http_error' };
    } catch {
      return {
        status: null,
        body: '',
        failure: timeout.aborted ? 'http_timeout' : 'connection_failed',
        noRetry: false,
      };
    }
  }
}
