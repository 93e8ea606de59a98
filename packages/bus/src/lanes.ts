// A batch handler that runs a one-event handler for many conversations at once: a fetch's deliveries are
// split into lanes by key (the conversation), each lane in offset order, up to `concurrency` lanes at once.
import type { DescMessage } from '@switchboard/proto';
import { sleep } from '@switchboard/core';
import type { BatchHandler, Delivery, Handler } from './consumer';
import { BatchStoppedError, CONTENTION, UnavailableError } from './errors';

/** A lane whose conversation is busy elsewhere first waits this long, doubling up to the error's own delay. */
export const CONTENTION_FIRST_WAIT_MS = 50;
const CONTENTION_MAX_WAIT_MS = 500;

/** How long a lane waits before trying its event again, if the failure is contention; undefined otherwise. */
export function contentionWait(err: unknown, attempt: number): number | undefined {
  if (!(err instanceof UnavailableError) || err.dependency !== CONTENTION) return undefined;
  const most = err.retryAfterMs ?? CONTENTION_MAX_WAIT_MS;
  return Math.min(most, CONTENTION_FIRST_WAIT_MS * 2 ** (attempt - 1));
}

export interface LaneOptions<S extends DescMessage> {
  /** Most lanes running at once. */
  concurrency: number;
  /** The lane a delivery belongs to; by default its Kafka key (the conversation id; keyless ones share a lane). */
  laneOf?: (delivery: Delivery<S>) => string;
}

/** Deliveries grouped by lane, each group in the order given and the groups in order of first appearance. */
export function splitLanes<T>(items: readonly T[], laneOf: (item: T) => string): T[][] {
  const lanes = new Map<string, T[]>();
  for (const item of items) {
    const key = laneOf(item);
    const lane = lanes.get(key);
    if (lane) lane.push(item);
    else lanes.set(key, [item]);
  }
  return [...lanes.values()];
}

/**
 * Handles a batch lane by lane, `concurrency` lanes at a time. A handler's waiting (Redis, Slack, Asana)
 * overlaps with other conversations' instead of holding up the whole partition, while one conversation's
 * events keep their order. Once the consumer says the partition is no longer live, no event is started and it
 * throws BatchStoppedError (nothing of the batch is resolved; the new owner gets it again). A conversation busy
 * elsewhere (its lock held: `UnavailableError` of CONTENTION) is waited out in its own lane, the event tried
 * again while the partition is live, and the other lanes go on. If a handler throws anything else, no lane
 * starts another event (those under way finish), and the first error is thrown, so the consumer handles the
 * batch again one event at a time (with its retries and DLQ): the handler must be idempotent per event, as
 * at-least-once delivery requires anyway.
 */
export function inLanes<S extends DescMessage>(handler: Handler<S>, options: LaneOptions<S>): BatchHandler<S> {
  const laneOf = options.laneOf ?? ((d: Delivery<S>) => d.key ?? '');
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  return async (deliveries, context) => {
    const lanes = splitLanes(deliveries, laneOf);
    let next = 0;
    let failure: { err: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (!failure && next < lanes.length) {
        const lane = lanes[next++];
        for (const delivery of lane) {
          if (context && !context.live()) failure ??= { err: new BatchStoppedError() };
          if (failure) return;
          for (let attempt = 1; ; attempt += 1) {
            try {
              await handler(delivery);
              break;
            } catch (err) {
              const waitMs = contentionWait(err, attempt);
              if (waitMs === undefined || failure) {
                failure ??= { err };
                return;
              }
              context?.retrying?.();
              delivery.log.debug({ err: (err as Error).message, attempt, waitMs }, 'conversation busy; its lane waits');
              await sleep(waitMs);
              if (context && !context.live()) failure ??= { err: new BatchStoppedError() };
              if (failure) return;
            }
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, lanes.length) }, worker));
    if (failure) throw failure.err;
  };
}
