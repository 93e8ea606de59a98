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

/** A message this bot posted, found by its metadata, with the metadata's payload (a Redis loss's read-back). */
export interface ListedMessage extends FoundMessage {
  payload: Record<string, unknown>;
}

export interface SlackPort {
  postMessage(message: {
    channel: string;
    text: string;
    blocks: object[];
    threadTs?: string;
    metadata?: PostMetadata;
    replyBroadcast?: boolean;
  }): Promise<PostedMessage>;
  updateMessage(message: { channel: string; ts: string; text: string; blocks: object[] }): Promise<void>;
  permalink(channel: string, ts: string): Promise<string>;
  /** A message this bot posted whose metadata matches, or null. A channel given by name is resolved to its id first. */
  findByMetadata(query: MetadataQuery): Promise<FoundMessage | null>;
  /**
   * The channel's top-level messages since `oldestMs` with one of these metadata types, oldest first, as far as
   * the look-up's pages reach; null when no channel of that name is visible to the bot.
   */
  listByMetadata(query: { channel: string; eventTypes: string[]; oldestMs: number }): Promise<ListedMessage[] | null>;
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

type SlackError = {
  code?: string;
  data?: { error?: string };
  retryAfter?: number;
  statusCode?: number;
  message?: string;
};

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
/** Pages of conversations.list read at most when resolving a channel name (1,000 channels each). */
const MAX_LIST_PAGES = 20;
/** What Slack's channel ids look like (public C, private G, direct D); anything else is a name. */
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;

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
      const retryAfter =
        (err as SlackError).code === ErrorCode.RateLimitedError ? ((err as SlackError).retryAfter ?? 1) : 0;
      if (retryAfter > 0) metrics.rateLimitWaitSeconds.inc({ api: 'slack' }, retryAfter);
      throw slackFailure(err);
    } finally {
      stop();
    }
  }

  // Slack's history and replies take channel ids only (a name is channel_not_found): a name is resolved once
  // through conversations.list. Only found ids are kept, so a channel created later is found then.
  const idsByName = new Map<string, string>();
  async function channelIdOf(channel: string): Promise<string | null> {
    if (CHANNEL_ID.test(channel)) return channel;
    const name = channel.replace(/^#/, '');
    const known = idsByName.get(name);
    if (known) return known;
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page += 1) {
      const result = await call('conversations.list', () =>
        client.conversations.list({
          types: 'public_channel,private_channel',
          exclude_archived: true,
          limit: 1000,
          cursor,
        }),
      );
      const found = result.channels?.find((c) => c.name === name && c.id);
      if (found?.id) {
        idsByName.set(name, found.id);
        return found.id;
      }
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) return null;
    }
    return null;
  }

  /** The messages of a channel (by id) or of one thread, newest first, page by page, at most MAX_LOOKUP_PAGES. */
  async function* messagesOf(
    channel: string,
    threadTs: string | undefined,
    oldestMs: number | undefined,
  ): AsyncGenerator<Listed> {
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LOOKUP_PAGES; page += 1) {
      const common = { channel, include_all_metadata: true, limit: 200, cursor };
      const result = threadTs
        ? await call('conversations.replies', () => client.conversations.replies({ ...common, ts: threadTs }))
        : await call('conversations.history', () =>
            client.conversations.history({
              ...common,
              ...(oldestMs ? { oldest: (Math.max(0, oldestMs) / 1000).toFixed(6) } : {}),
            }),
          );
      yield* (result.messages ?? []) as Listed[];
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!result.has_more || !cursor) return;
    }
  }

  async function findByMetadata({
    channel,
    eventTypes,
    matches,
    threadTs,
    oldestMs,
  }: MetadataQuery): Promise<FoundMessage | null> {
    const channelId = await channelIdOf(channel);
    if (!channelId) return null; // no channel of that name visible to the bot: nothing of ours is in it
    for await (const message of messagesOf(channelId, threadTs, oldestMs)) {
      const meta = message.metadata;
      const eventType = meta?.event_type ?? '';
      if (message.ts && eventTypes.includes(eventType) && matches(meta?.event_payload ?? {}))
        return { channel: channelId, ts: message.ts, eventType };
    }
    return null;
  }

  async function listByMetadata({
    channel,
    eventTypes,
    oldestMs,
  }: {
    channel: string;
    eventTypes: string[];
    oldestMs: number;
  }): Promise<ListedMessage[] | null> {
    const channelId = await channelIdOf(channel);
    if (!channelId) return null;
    const found: ListedMessage[] = [];
    for await (const message of messagesOf(channelId, undefined, oldestMs)) {
      const eventType = message.metadata?.event_type ?? '';
      if (message.ts && eventTypes.includes(eventType))
        found.push({ channel: channelId, ts: message.ts, eventType, payload: message.metadata?.event_payload ?? {} });
    }
    return found.reverse();
  }

  return {
    async postMessage({ channel, text, blocks, threadTs, metadata, replyBroadcast }) {
      const common = {
        channel,
        text,
        blocks: blocks as KnownBlock[],
        unfurl_links: false,
        unfurl_media: false,
        ...(metadata ? { metadata } : {}),
      };
      const result = await call('chat.postMessage', () =>
        client.chat.postMessage(
          threadTs ? { ...common, thread_ts: threadTs, reply_broadcast: replyBroadcast ?? false } : common,
        ),
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
        // The channel is gone (deleted, or the bot removed since): nothing to find there.
        if (err instanceof PermanentError && err.reason === 'slack_channel_not_found') return null;
        throw err;
      }
    },
    listByMetadata,
  };
}
