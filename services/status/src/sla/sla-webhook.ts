// Escalation levels with a `webhook`: the breach is POSTed as JSON, signed like the bot webhook (signatures.ts),
// once per breach event id (a done-mark in Redis; the id already names conversation, clock, cycle and level).
// A failure is retried with backoff on this consumer's own group; a 4xx or too many attempts → conv.status.dlq.
import { StatusChange, timestampDate, type StatusEvent, type StatusEventSchema } from '@switchboard/proto';
import { PermanentError, UnavailableError, type Delivery } from '@switchboard/bus';
import { backoffDelay, idWithinBot, botOfId, type Metrics } from '@switchboard/core';
import type { DoneMarks, Redis } from '@switchboard/store';
import { retryable } from '../bot/bot-webhook';
import { postSigned } from '../signed-post';

export interface SlaWebhookOptions {
  /** Absent: a webhook level (added by a reload) cannot be signed, so its breach goes to the DLQ, never dropped. */
  secret?: string;
  maxAttempts: number;
  timeoutMs: number;
  done: DoneMarks;
  redis: Redis;
  /** Key of the attempt counter of one event. */
  attemptsKey: (eventId: string) => string;
  metrics: Metrics;
  consoleBaseUrl: string;
  now?: () => number;
}

/** The JSON the receiver gets: what was breached, at which level, and where to look. */
export function slaWebhookBody(event: StatusEvent, consoleBaseUrl: string): string {
  const sla = event.sla!;
  const botId = botOfId(event.conversationId);
  return JSON.stringify({
    type: 'sla_breached',
    eventId: event.eventId,
    botId,
    conversationId: idWithinBot(botId, event.conversationId),
    clock: sla.clock,
    cycle: sla.cycle,
    level: sla.level,
    policy: sla.policy,
    priority: sla.priority,
    deadline: sla.deadline ? timestampDate(sla.deadline).toISOString() : undefined,
    at: event.at ? timestampDate(event.at).toISOString() : undefined,
    console: new URL(`console/conversations/${encodeURIComponent(event.conversationId)}`, consoleBaseUrl).toString(),
  });
}

export function slaWebhookHandler(options: SlaWebhookOptions) {
  const { done, metrics, redis } = options;
  const now = options.now ?? Date.now;
  return async ({ event, log }: Delivery<typeof StatusEventSchema>): Promise<void> => {
    const url = event.sla?.webhook;
    if (event.change !== StatusChange.SLA_BREACHED || !url) return;
    if (await done.isDone(event.eventId)) return;
    if (!options.secret)
      throw new PermanentError(
        'SLA webhook: the policy has a webhook level but neither SLA_WEBHOOK_SECRET nor BOT_WEBHOOK_SECRET is set',
        'sla_webhook_unsigned',
      );
    const body = slaWebhookBody(event, options.consoleBaseUrl);
    const attemptsKey = options.attemptsKey(event.eventId);
    const attempt = await redis.incr(attemptsKey);
    await redis.expire(attemptsKey, 7 * 86400);
    const stop = metrics.externalCallSeconds.startTimer({ api: 'sla_webhook', method: 'POST' });
    let failure: string;
    let permanent = false;
    try {
      const res = await postSigned(fetch, {
        url,
        secret: options.secret,
        body,
        eventId: event.eventId,
        timeoutMs: options.timeoutMs,
        nowMs: now(),
      });
      metrics.externalCallsTotal.inc({ api: 'sla_webhook', method: 'POST', outcome: String(res.status) });
      if (res.ok) {
        await done.markDone(event.eventId);
        log.info({ attempt, status: res.status, slaLevel: event.sla?.level }, 'SLA escalation webhook delivered');
        return;
      }
      failure = `HTTP ${res.status}`;
      permanent = !retryable(res.status);
    } catch (err) {
      metrics.externalCallsTotal.inc({ api: 'sla_webhook', method: 'POST', outcome: 'error' });
      failure =
        (err as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : (err as Error).message;
    } finally {
      stop();
    }
    if (permanent || attempt >= options.maxAttempts)
      throw new PermanentError(`SLA webhook: ${failure} after ${attempt} attempt(s)`, 'sla_webhook_failed');
    throw new UnavailableError(
      `SLA webhook: ${failure} (attempt ${attempt} of ${options.maxAttempts})`,
      'sla_webhook',
      backoffDelay(attempt, { baseMs: 1000, maxMs: 60000 }),
    );
  };
}
