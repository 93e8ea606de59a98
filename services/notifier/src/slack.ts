// The one place that talks to Slack: the real @slack/web-api client, with its own retries off so that
// retry, backoff and Retry-After are decided by the consumer (errors.ts), and every call measured.
import { WebClient, ErrorCode, type KnownBlock, type WebAPICallResult } from '@slack/web-api';
import { PermanentError, UnavailableError } from '@switchboard/bus';
import type { Metrics } from '@switchboard/core';

export interface PostedMessage {
  channel: string;
  ts: string;
}

export interface SlackPort {
  postMessage(message: { channel: string; text: string; blocks: object[]; threadTs?: string }): Promise<PostedMessage>;
  updateMessage(message: { channel: string; ts: string; text: string; blocks: object[] }): Promise<void>;
}

/** Slack errors that retrying cannot fix: the message goes to the DLQ with the error. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'invalid_blocks',
  'msg_too_long',
  'message_not_found',
  'cant_update_message',
  'restricted_action',
]);

export function slackFailure(err: unknown): Error {
  const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number; message?: string };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return new UnavailableError('slack rate limited', 'slack', (e.retryAfter ?? 1) * 1000, { cause: err });
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      if (PERMANENT.has(code)) return new PermanentError(`slack: ${code}`, `slack_${code}`, { cause: err });
      return new UnavailableError(`slack: ${code}`, 'slack', undefined, { cause: err });
    }
    case ErrorCode.HTTPError:
      if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 408) {
        return new PermanentError(`slack: HTTP ${e.statusCode}`, `slack_http_${e.statusCode}`, { cause: err });
      }
      return new UnavailableError(`slack: HTTP ${e.statusCode}`, 'slack', undefined, { cause: err });
    default:
      return new UnavailableError(`slack: ${e.message ?? String(err)}`, 'slack', undefined, { cause: err });
  }
}

function outcomeOf(err: unknown): string {
  const e = err as { code?: string; data?: { error?: string }; statusCode?: number };
  if (e.code === ErrorCode.RateLimitedError) return 'ratelimited';
  if (e.code === ErrorCode.PlatformError) return e.data?.error ?? 'error';
  if (e.code === ErrorCode.HTTPError) return `http_${e.statusCode}`;
  return 'network_error';
}

export function webApiSlack(options: { token: string; apiUrl?: string; metrics: Metrics }): SlackPort {
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10000,
  });
  const { metrics } = options;
  async function call<T extends WebAPICallResult>(method: string, run: () => Promise<T>): Promise<T> {
    const stop = metrics.externalCallSeconds.startTimer({ api: 'slack', method });
    try {
      const result = await run();
      metrics.externalCallsTotal.inc({ api: 'slack', method, outcome: 'ok' });
      return result;
    } catch (err) {
      metrics.externalCallsTotal.inc({ api: 'slack', method, outcome: outcomeOf(err) });
      throw slackFailure(err);
    } finally {
      stop();
    }
  }
  return {
    async postMessage({ channel, text, blocks, threadTs }) {
      const result = await call('chat.postMessage', () =>
        client.chat.postMessage({ channel, text, blocks: blocks as KnownBlock[], thread_ts: threadTs, unfurl_links: false, unfurl_media: false }),
      );
      return { channel: result.channel ?? channel, ts: result.ts ?? '' };
    },
    async updateMessage({ channel, ts, text, blocks }) {
      await call('chat.update', () => client.chat.update({ channel, ts, text, blocks: blocks as KnownBlock[] }));
    },
  };
}
