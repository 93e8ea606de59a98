// Accepting events durably: skip the ids already accepted, publish the rest to conv.raw and wait for
// Kafka's acknowledgement (acks=all); only then may the caller answer 2xx. The ids are remembered once
// Kafka acknowledged. What waits for Kafka is bounded (events and bytes): past it a request is refused at once.
import type { MessageEvent } from '@switchboard/proto';
import { Topics, type Publisher } from '@switchboard/bus';
import type { Keys, Redis } from '@switchboard/store';
import { withTimeout, type Logger } from '@switchboard/core';
import { ingressKeys, type IngressKeys } from './keys';
import { uniqueById } from './events';
import { RedisBatches } from './redis-batches';

export interface Accepted {
  eventId: string;
  conversationId: string;
  duplicate: boolean;
}

export type Control = 'bot' | 'waiting' | 'human' | 'unknown';

export interface AcceptResult {
  events: Accepted[];
  /** Who holds each conversation now, from the status service's takeover state. */
  control: Record<string, Control>;
}

const ACCEPTED_TTL_SECONDS = 7 * 24 * 60 * 60;

/**
 * The bot asked for a human: control becomes "waiting" unless an operator already holds it. The status
 * service starts the handoff's deadline when it sees the event, and takes it from there (human or back to bot).
 */
const REQUEST_HANDOFF = `
local current = redis.call('GET', KEYS[1])
if current == 'human' then return current end
redis.call('SET', KEYS[1], 'waiting', 'EX', ARGV[1])
return 'waiting'`;

/** What a control key's value means for the bot. */
export const controlOf = (value: string | null | undefined): Control =>
  value === 'human' ? 'human' : value === 'waiting' ? 'waiting' : 'bot';

export class KafkaUnavailable extends Error {
  constructor(cause: unknown) {
    super(`events not persisted: ${(cause as Error)?.message ?? cause}`);
    this.name = 'KafkaUnavailable';
  }
}

/** Refused at once: ingress already holds as much unacknowledged data as it may (Kafka slow or away). */
export class PublishBacklogFull extends KafkaUnavailable {
  constructor(pending: { messages: number; bytes: number }) {
    super(new Error(`${pending.messages} events (${pending.bytes} bytes) already wait for Kafka's acknowledgement`));
    this.name = 'PublishBacklogFull';
  }
}

/** How much may wait for Kafka at once; a request is refused while either is reached. */
export interface BacklogLimits {
  maxEvents: number;
  maxBytes: number;
}

export class EventAcceptor {
  /**
   * Ids published and not yet remembered in Redis: while Kafka has not acknowledged them a retry must not
   * publish them a second time (503); once it has, a retry is a duplicate even before Redis holds the record.
   */
  private readonly inFlight = new Map<string, 'sending' | 'acknowledged'>();
  private readonly keys: IngressKeys;
  /** The idempotency lookups and records of concurrent requests, one round trip each per loop turn. */
  private readonly batches: RedisBatches;

  constructor(
    private readonly publisher: Publisher,
    private readonly redis: Redis,
    sharedKeys: Keys,
    private readonly logger: Logger,
    private readonly publishTimeoutMs = 10000,
    private readonly limits: BacklogLimits = { maxEvents: 50000, maxBytes: 64 * 1024 * 1024 },
  ) {
    this.keys = ingressKeys(sharedKeys);
    this.batches = new RedisBatches(redis);
  }

  /**
   * `idsMadeHere`: the event ids ingress generated for this request (the client sent none). They are new by
   * construction, so only the client's own ids are looked up before publishing.
   */
  async accept(incoming: MessageEvent[], idsMadeHere: ReadonlySet<string> = new Set()): Promise<AcceptResult> {
    const events = uniqueById(incoming);
    const conversations = [...new Set(events.map((e) => e.conversationId))];
    // The idempotency records gate the publish; Redis holds only those: if it is away we still accept
    // (Kafka is the record, every consumer is idempotent by event id).
    const clientIds = events.filter((e) => !idsMadeHere.has(e.eventId));
    const found = await this.lookup(clientIds.map((e) => this.keys.ingressAccepted(e.eventId)));
    const seen = new Set(clientIds.filter((_, i) => found?.[i] != null).map((e) => e.eventId));
    if (events.some((e) => !seen.has(e.eventId) && this.inFlight.get(e.eventId) === 'sending'))
      throw new KafkaUnavailable(new Error('an earlier copy of these events still waits for Kafka'));
    const fresh = events.filter((e) => !seen.has(e.eventId) && !this.inFlight.has(e.eventId));
    const pending = this.publisher.pending();
    if (fresh.length > 0 && (pending.messages >= this.limits.maxEvents || pending.bytes >= this.limits.maxBytes))
      throw new PublishBacklogFull(pending);
    // Checked and handed over in the same tick, so concurrent requests cannot all pass the check first.
    const published = this.publisher.publish(
      Topics.raw,
      fresh.map((event) => ({ key: event.conversationId, value: event })),
    );
    for (const e of fresh) this.inFlight.set(e.eventId, 'sending');
    // The control flags only inform the reply: read while Kafka works (control is unknown without Redis).
    const control = this.lookup(conversations.map((id) => this.keys.control(id)));
    // Whenever Kafka acknowledges, even after the bot got its 503, the ids are remembered: its retry is
    // then a duplicate rather than a second copy on the topic. The record is written after the answer,
    // not before it (docs/performance.md, "Ingress at realistic concurrency", on what a crash then costs).
    published.then(
      () => {
        for (const e of fresh) this.inFlight.set(e.eventId, 'acknowledged');
        void this.remember(fresh).finally(() => fresh.forEach((e) => this.inFlight.delete(e.eventId)));
      },
      () => fresh.forEach((e) => this.inFlight.delete(e.eventId)),
    );
    try {
      // Bounded: a bot waits at most publishTimeoutMs for an answer.
      await withTimeout(
        published,
        this.publishTimeoutMs,
        `no acknowledgement from Kafka within ${this.publishTimeoutMs} ms`,
      );
    } catch (err) {
      throw new KafkaUnavailable(err);
    }
    const handedOff = await this.requestHandoffs(fresh);
    const controlValues = await control;
    const freshIds = new Set(fresh.map((e) => e.eventId));
    // The second and later copies of one id in the same request are duplicates of the first.
    const firstCopies = new Set(events);
    return {
      events: incoming.map((e) => ({
        eventId: e.eventId,
        conversationId: e.conversationId,
        duplicate: !freshIds.has(e.eventId) || !firstCopies.has(e),
      })),
      control: Object.fromEntries(
        conversations.map((id, i) => [
          id,
          handedOff.get(id) ?? (controlValues === null ? 'unknown' : controlOf(controlValues[i])),
        ]),
      ),
    };
  }

  /** Sets control to "waiting" for each conversation whose new events ask for a human; what control is then. */
  private async requestHandoffs(events: MessageEvent[]): Promise<Map<string, Control>> {
    const out = new Map<string, Control>();
    for (const id of new Set(events.filter((e) => e.handoff).map((e) => e.conversationId))) {
      try {
        out.set(
          id,
          controlOf(
            (await this.redis.eval(REQUEST_HANDOFF, 1, this.keys.control(id), String(ACCEPTED_TTL_SECONDS))) as string,
          ),
        );
      } catch (err) {
        // The event is in Kafka: the status service still starts the handoff; only this reply cannot say so.
        this.logger.warn(
          { err: (err as Error).message, conversation_id: id },
          'redis unavailable; handoff accepted without the waiting state',
        );
        out.set(id, 'unknown');
      }
    }
    return out;
  }

  private async lookup(keys: string[]): Promise<(string | null)[] | null> {
    if (keys.length === 0) return [];
    try {
      return await this.batches.mget(keys);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'redis unavailable; accepting without idempotency check');
      return null;
    }
  }

  private async remember(events: MessageEvent[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await this.batches.setAll(
        events.map((e) => this.keys.ingressAccepted(e.eventId)),
        ACCEPTED_TTL_SECONDS,
      );
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'redis unavailable; accepted ids not remembered');
    }
  }
}
