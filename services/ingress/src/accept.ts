// Accepting events durably: skip the ids already accepted, publish the rest to conv.raw and wait for
// Kafka's acknowledgement (acks=all), then remember the ids. Only then may the caller answer 2xx.
import type { MessageEvent } from '@switchboard/proto';
import { Topics, type Publisher } from '@switchboard/bus';
import type { Keys, Redis } from '@switchboard/store';
import { withTimeout, type Logger } from '@switchboard/core';
import { uniqueById } from './events';

export interface Accepted {
  eventId: string;
  conversationId: string;
  duplicate: boolean;
}

export type Control = 'bot' | 'human' | 'unknown';

export interface AcceptResult {
  events: Accepted[];
  /** Who holds each conversation now, from the status service's takeover state. */
  control: Record<string, Control>;
}

const ACCEPTED_TTL_SECONDS = 7 * 24 * 60 * 60;

export class KafkaUnavailable extends Error {
  constructor(cause: unknown) {
    super(`events not persisted: ${(cause as Error)?.message ?? cause}`);
    this.name = 'KafkaUnavailable';
  }
}

export class EventAcceptor {
  constructor(
    private readonly publisher: Publisher,
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly logger: Logger,
    private readonly publishTimeoutMs = 10000,
  ) {}

  async accept(incoming: MessageEvent[]): Promise<AcceptResult> {
    const events = uniqueById(incoming);
    const conversations = [...new Set(events.map((e) => e.conversationId))];
    // One round trip for the idempotency records and the control flags. Redis holds only those: if it is
    // away we still accept (Kafka is the record, every consumer is idempotent by event id) and say
    // control is unknown.
    const found = await this.lookup([...events.map((e) => this.keys.ingressAccepted(e.eventId)), ...conversations.map((id) => this.keys.control(id))]);
    const seen = found?.slice(0, events.length) ?? null;
    const control = found?.slice(events.length) ?? null;
    const fresh = events.filter((_, i) => seen?.[i] == null);
    try {
      // Bounded: a bot waits at most publishTimeoutMs for an answer. A send that completes after we
      // answered 503 is harmless: the bot retries with the same ids and every consumer dedupes.
      await withTimeout(
        this.publisher.publish(Topics.raw, fresh.map((event) => ({ key: event.conversationId, value: event }))),
        this.publishTimeoutMs,
        `no acknowledgement from Kafka within ${this.publishTimeoutMs} ms`,
      );
    } catch (err) {
      throw new KafkaUnavailable(err);
    }
    await this.remember(fresh);
    const freshIds = new Set(fresh.map((e) => e.eventId));
    return {
      events: incoming.map((e) => ({ eventId: e.eventId, conversationId: e.conversationId, duplicate: !freshIds.has(e.eventId) || isLaterCopy(incoming, e) })),
      control: Object.fromEntries(conversations.map((id, i) => [id, control === null ? 'unknown' : control[i] === 'human' ? 'human' : 'bot'])),
    };
  }

  private async lookup(keys: string[]): Promise<(string | null)[] | null> {
    if (keys.length === 0) return [];
    try {
      return await this.redis.mget(...keys);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'redis unavailable; accepting without idempotency check');
      return null;
    }
  }

  private async remember(events: MessageEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      const pipeline = this.redis.pipeline();
      for (const e of events) pipeline.set(this.keys.ingressAccepted(e.eventId), '1', 'EX', ACCEPTED_TTL_SECONDS);
      await pipeline.exec();
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'redis unavailable; accepted ids not remembered');
    }
  }
}

/** The second and later copies of one id in the same request are duplicates of the first. */
function isLaterCopy(all: MessageEvent[], event: MessageEvent): boolean {
  return all.find((e) => e.eventId === event.eventId) !== event;
}
