// Operator messages to the bot over HTTP, for bots that do not read bot.outbound themselves: each one is
// POSTed as JSON to BOT_WEBHOOK_URL, signed (signatures.ts), in order per conversation. A failure is
// retried with backoff, honouring Retry-After; after BOT_WEBHOOK_MAX_ATTEMPTS (or at once for a 4xx that
// retrying cannot fix) the message goes to bot.outbound.dlq, where `switchboard dlq replay` sends it
// again. Every attempt's outcome is counted and shown next to the message in the console.
import { timestampDate, type OperatorMessage, type OperatorMessageSchema } from '@switchboard/proto';
import { PermanentError, UnavailableError, type Delivery } from '@switchboard/bus';
import { backoffDelay, idWithinBot, type Metrics } from '@switchboard/core';
import type { DoneMarks } from '@switchboard/store';
import type { DeliveryLog } from './delivery-log';
import { signOutbound } from './signatures';

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

/** The JSON the bot receives: everything it needs to answer the user on its platform, in the bot's own ids. */
export function webhookBody(m: OperatorMessage): string {
  return JSON.stringify({
    type: 'operator_message',
    eventId: m.eventId,
    botId: m.botId,
    conversationId: idWithinBot(m.botId, m.conversationId),
    text: m.text,
    sentAt: m.sentAt ? timestampDate(m.sentAt).toISOString() : undefined,
    platform: m.platform,
    teamId: m.teamId,
    userId: m.userId,
    operator: { id: m.operator?.id ?? '', name: m.operator?.name ?? '', source: m.operator?.source ?? '' },
  });
}

/** Whether another attempt can help: 408, 429 and 5xx yes; other 4xx no (the bot refused the message). */
export const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

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
    let retryAfterMs: number | undefined;
    let permanent = false;
    try {
      const res = await post(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signOutbound(options.secret, body, now() / 1000), 'x-switchboard-event-id': event.eventId },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      metrics.externalCallsTotal.inc({ api: 'bot_webhook', method: 'POST', outcome: String(res.status) });
      if (res.ok) {
        await deliveries.delivered(event.conversationId, event.eventId, attempt);
        await done.markDone(event.eventId);
        log.info({ attempt, status: res.status }, 'operator message delivered to the bot');
        return;
      }
      failure = `HTTP ${res.status}`;
      permanent = !retryable(res.status);
      const after = Number(res.headers.get('retry-after'));
      if (res.status === 429 && Number.isFinite(after) && after > 0) retryAfterMs = after * 1000;
    } catch (err) {
      metrics.externalCallsTotal.inc({ api: 'bot_webhook', method: 'POST', outcome: 'error' });
      failure = (err as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (err as Error).message;
    } finally {
      stop();
    }
    if (permanent || attempt >= options.maxAttempts) {
      await deliveries.failed(event.conversationId, event.eventId, attempt, failure);
      throw new PermanentError(`bot webhook: ${failure} after ${attempt} attempt(s)`, permanent ? 'bot_refused' : 'bot_unreachable');
    }
    await deliveries.retrying(event.conversationId, event.eventId, attempt, failure);
    throw new UnavailableError(`bot webhook: ${failure} (attempt ${attempt} of ${options.maxAttempts})`, 'bot_webhook', retryAfterMs ?? backoffDelay(attempt, { baseMs: 1000, maxMs: 60000 }));
  };
}
