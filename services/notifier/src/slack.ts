// The one place that talks to Slack: the real @slack/web-api client, with its own retries off so that
// retry, backoff and Retry-After are decided by the consumer (errors.ts), and every call measured.
import { WebClient, ErrorCode, type KnownBlock, type WebAPICallResult } from '@slack/web-api';
import { PermanentError, UnavailableError } from '@switchboard/bus';
import type { Metrics } from '@switchboard/core';

export interface PostedMessage {
  channel: string;
  ts: string;
}

export interface FoundMessage extends PostedMessage {
  eventType: string;
}

/** Slack message metadata: how a post is found again after a crash between posting and recording it. */
export interface PostMetadata {
  event_type: string;
  event_payload: Record<string, string | number | boolean>;
}

export interface MetadataQuery {
  channel: string;
  eventTypes: string[];
  matches: (payload: Record<string, unknown>) => boolean;
  /** Search this thread (conversations.replies)... */
  threadTs?: string;
  /** ...or the channel's top-level messages since then (conversations.history). */
  oldestMs?: number;
}

export interface SlackPort {
  postMessage(message: { channel: string; text: string; blocks: object[]; threadTs?: string; metadata?: PostMetadata; replyBroadcast?: boolean }): Promise<PostedMessage>;
  updateMessage(message: { channel: string; ts: string; text: string; blocks: object[] }): Promise<void>;
  permalink(channel: string, ts: string): Promise<string>;
  /** A message this bot posted whose metadata matches, or null. */
  findByMetadata(query: MetadataQuery): Promise<FoundMessage | null>;
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
  'thread_not_found',
  'cant_update_message',
  'restricted_action',
]);

type SlackError = { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number; message?: string };

export function slackFailure(err: unknown): Error {
  const e = err as SlackError;
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

/**
 * True when Slack answered that it did not take the message (429, ok:false), so it surely was not posted;
 * false when it may have been (a 5xx or a lost connection after Slack got the request).
 */
export function surelyNotPosted(err: unknown): boolean {
  const cause = (err as { cause?: SlackError }).cause;
  return cause?.code === ErrorCode.RateLimitedError || cause?.code === ErrorCode.PlatformError;
}

function outcomeOf(err: unknown): string {
  const e = err as SlackError;
  if (e.code === ErrorCode.RateLimitedError) return 'ratelimited';
  if (e.code === ErrorCode.PlatformError) return e.data?.error ?? 'error';
  if (e.code === ErrorCode.HTTPError) return `http_${e.statusCode}`;
  return 'network_error';
}

/** How long one Slack call may take before the client gives up on it. */
export const SLACK_TIMEOUT_MS = 10000;

/** Pages read at most when looking a message up (200 messages each). */
const MAX_LOOKUP_PAGES = 10;

type Listed = { ts?: string; metadata?: { event_type?: string; event_payload?: Record<string, unknown> } };

export function webApiSlack(options: { token: string; apiUrl?: string; metrics: Metrics }): SlackPort {
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: SLACK_TIMEOUT_MS,
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
      const retryAfter = (err as SlackError).code === ErrorCode.RateLimitedError ? ((err as SlackError).retryAfter ?? 1) : 0;
      if (retryAfter > 0) metrics.rateLimitWaitSeconds.inc({ api: 'slack' }, retryAfter);
      throw slackFailure(err);
    } finally {
      stop();
    }
  }

  async function findByMetadata({ channel, eventTypes, matches, threadTs, oldestMs }: MetadataQuery): Promise<FoundMessage | null> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LOOKUP_PAGES; page += 1) {
      const common = { channel, include_all_metadata: true, limit: 200, cursor };
      const result = threadTs
        ? await call('conversations.replies', () => client.conversations.replies({ ...common, ts: threadTs }))
        : await call('conversations.history', () =>
            client.conversations.history({ ...common, ...(oldestMs ? { oldest: (Math.max(0, oldestMs) / 1000).toFixed(6) } : {}) }),
          );
      for (const message of (result.messages ?? []) as Listed[]) {
        const meta = message.metadata;
        const eventType = meta?.event_type ?? '';
        if (message.ts && eventTypes.includes(eventType) && matches(meta?.event_payload ?? {})) return { channel, ts: message.ts, eventType };
      }
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!result.has_more || !cursor) return null;
    }
    return null;
  }

  return {
    async postMessage({ channel, text, blocks, threadTs, metadata, replyBroadcast }) {
      const common = { channel, text, blocks: blocks as KnownBlock[], unfurl_links: false, unfurl_media: false, ...(metadata ? { metadata } : {}) };
      const result = await call('chat.postMessage', () =>
        client.chat.postMessage(threadTs ? { ...common, thread_ts: threadTs, reply_broadcast: replyBroadcast ?? false } : common),
      );
      return { channel: result.channel ?? channel, ts: result.ts ?? '' };
    },
    async updateMessage({ channel, ts, text, blocks }) {
      await call('chat.update', () => client.chat.update({ channel, ts, text, blocks: blocks as KnownBlock[] }));
    },
    async permalink(channel, ts) {
      const result = await call('chat.getPermalink', () => client.chat.getPermalink({ channel, message_ts: ts }));
      return result.permalink ?? '';
    },
    async findByMetadata(query) {
      try {
        return await findByMetadata(query);
      } catch (err) {
        // Looked up by a channel name Slack does not accept here (history wants the id): nothing to find.
        if (err instanceof PermanentError && err.reason === 'slack_channel_not_found') return null;
        throw err;
      }
    },
  };
}
