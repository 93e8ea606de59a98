// Operator messages to the bot over HTTP, for bots that do not read bot.outbound themselves: each one is
// POSTed as JSON to BOT_WEBHOOK_URL, signed (signatures.ts), in order per conversation. A failure is
// retried with backoff, honouring Retry-After up to 5 minutes; redirects are never followed; after BOT_WEBHOOK_MAX_ATTEMPTS (or at once for a 4xx that
// retrying cannot fix) the message goes to bot.outbound.dlq, where `switchboard dlq replay` sends it
// again. Every attempt's outcome is counted and shown next to the message in the console.
import {
  OperatorMessageKind,
  timestampDate,
  type OperatorMessage,
  type OperatorMessageSchema,
} from '@switchboard/proto';
import { PermanentError, UnavailableError, type Delivery } from '@switchboard/bus';
import { backoffDelay, idWithinBot, type Metrics } from '@switchboard/core';
import type { DoneMarks } from '@switchboard/store';
import type { DeliveryLog } from '../conversation/delivery-log';
import { postSigned } from '../signed-post';

export interface BotWebhookOptions {
  url: string;
  secret: string;
  maxAttempts: number;
  timeoutMs: number;
  deliveries: DeliveryLog;
  done: DoneMarks;
  metrics: Metrics;
  fetch?: typeof fetch;
  now?: () => number;
}

/** The webhook's `type` by what the message tells the bot (an unset kind is a message, as before kinds). */
export function webhookType(kind: OperatorMessageKind): 'operator_message' | 'handed_back' | 'handoff_timeout' {
  if (kind === OperatorMessageKind.HANDED_BACK) return 'handed_back';
  if (kind === OperatorMessageKind.HANDOFF_TIMEOUT) return 'handoff_timeout';
  return 'operator_message';
}

/**
 * The JSON the bot receives: everything it needs to answer the user on its platform, in the bot's own ids.
 * `operator_message` has the text for the user; `handed_back` the operator's note (`note`, may be empty);
 * `handoff_timeout` the reason the bot gave when it asked (`reason`).
 */
export function webhookBody(m: OperatorMessage): string {
  const type = webhookType(m.kind);
  return JSON.stringify({
    type,
    eventId: m.eventId,
    botId: m.botId,
    conversationId: idWithinBot(m.botId, m.conversationId),
    ...(type === 'operator_message'
      ? { text: m.text }
      : type === 'handed_back'
        ? { note: m.text }
        : { reason: m.text }),
    sentAt: m.sentAt ? timestampDate(m.sentAt).toISOString() : undefined,
    platform: m.platform,
    teamId: m.teamId,
    userId: m.userId,
    operator: { id: m.operator?.id ?? '', name: m.operator?.name ?? '', source: m.operator?.source ?? '' },
  });
}

/** Whether another attempt can help: 408, 429 and 5xx yes; other 4xx no (the bot refused the message), 3xx no. */
export const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/** The longest a bot's Retry-After may hold its messages back; a larger one waits this long. */
export const MAX_RETRY_AFTER_MS = 5 * 60 * 1000;

/** A Retry-After header in seconds, capped; undefined when absent or not a positive number. */
export function retryAfterMs(header: string | null): number | undefined {
  const seconds = Number(header);
  return header !== null && Number.isFinite(seconds) && seconds > 0
    ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS)
    : undefined;
}

export function botWebhookHandler(options: BotWebhookOptions) {
  const { deliveries, done, metrics } = options;
  const post = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  return async ({ event, log }: Delivery<typeof OperatorMessageSchema>): Promise<void> => {
    if (await done.isDone(event.eventId)) return;
    const body = webhookBody(event);
    const attempt = await deliveries.attempt(event.conversationId, event.eventId);
    const stop = metrics.externalCallSeconds.startTimer({ api: 'bot_webhook', method: 'POST' });
    let failure: string;
    let retryAfter: number | undefined;
    let permanent = false;
    try {
      // A signed body never follows a redirect to somewhere else: a 3xx is a failure.
      const res = await postSigned(post, {
        url: options.url,
        secret: options.secret,
        body,
        eventId: event.eventId,
        timeoutMs: options.timeoutMs,
        nowMs: now(),
      });
      metrics.externalCallsTotal.inc({ api: 'bot_webhook', method: 'POST', outcome: String(res.status) });
      if (res.ok) {
        await deliveries.delivered(event.conversationId, event.eventId, attempt);
        await done.markDone(event.eventId);
        log.info({ attempt, status: res.status }, 'operator message delivered to the bot');
        return;
      }
      const redirect = res.status >= 300 && res.status < 400;
      failure = redirect ? `HTTP ${res.status} (a redirect; the webhook URL must answer itself)` : `HTTP ${res.status}`;
      permanent = !retryable(res.status);
      if (res.status === 429 || res.status === 503) retryAfter = retryAfterMs(res.headers.get('retry-after'));
    } catch (err) {
      metrics.externalCallsTotal.inc({ api: 'bot_webhook', method: 'POST', outcome: 'error' });
      failure =
        (err as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (err as Error).message;
    } finally {
      stop();
    }
    if (permanent || attempt >= options.maxAttempts) {
      await deliveries.failed(event.conversationId, event.eventId, attempt, failure);
      throw new PermanentError(
        `bot webhook: ${failure} after ${attempt} attempt(s)`,
        permanent ? 'bot_refused' : 'bot_unreachable',
      );
    }
    await deliveries.retrying(event.conversationId, event.eventId, attempt, failure);
    throw new UnavailableError(
      `bot webhook: ${failure} (attempt ${attempt} of ${options.maxAttempts})`,
      'bot_webhook',
      retryAfter ?? backoffDelay(attempt, { baseMs: 1000, maxMs: 60000 }),
    );
  };
}
