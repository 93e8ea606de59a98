// The deadline sweep: every replica, every second, claims the clocks whose next step is due (clock-store.ts),
// publishes SLA_BREACHED for the step, and moves the clock on to its next step. A replica that dies (or stalls)
// between the claim and the move leaves the step to another after the lease; it publishes the same event id
// again, and the breach is counted by whichever of them moves the clock on: once.
import { Topics, type Publisher } from '@switchboard/bus';
import type { Logger } from '@switchboard/core';
import type { ClockStore, RunningClock } from './clock-store';
import { dueAtMs, nextStep } from './schedule';
import { breachEvent } from './sla-events';

export interface SlaSweepDeps {
  clocks: ClockStore;
  publisher: Publisher;
  logger: Logger;
  /** Counts a breach step: called once per step, by the replica whose move of the clock won. */
  breached?: (clock: RunningClock) => void;
  /** The time now, in ms (tests move it). */
  now?: () => number;
  intervalMs?: number;
}

/** Publishes every due step this call claims; how many. */
export async function sweepDeadlines(deps: SlaSweepDeps): Promise<number> {
  const now = (deps.now ?? Date.now)();
  let published = 0;
  for (const member of await deps.clocks.due(now)) {
    const claimed = await deps.clocks.claim(member, now);
    if (!claimed) continue;
    const event = breachEvent(claimed, now);
    await deps.publisher.publish(Topics.status, [{ key: claimed.conversationId, value: event }]);
    const next = nextStep(claimed.plan, claimed.step);
    const moved = await deps.clocks.advance(
      claimed,
      next,
      next ? dueAtMs(claimed.plan, claimed.startedMs, next) : null,
    );
    // A claim taken over after its lease ran out publishes the step again (the same event id: consumers drop
    // the copy); only the move that wins counts it.
    if (moved) deps.breached?.(claimed);
    deps.logger.info(
      {
        conversationId: claimed.conversationId,
        eventId: event.eventId,
        clock: claimed.clock,
        slaLevel: claimed.step.level,
        repeat: claimed.step.repeat,
      },
      'SLA deadline passed: breach published',
    );
    published += 1;
  }
  return published;
}

/** Sweeps every second (policies in seconds are honoured) until the returned function is called. */
export function startSlaSweep(deps: SlaSweepDeps): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepDeadlines(deps)
      .catch((err: Error) => deps.logger.warn({ err: err.message }, 'SLA sweep failed; next one in a second'))
      .finally(() => {
        running = false;
      });
  }, deps.intervalMs ?? 1000);
  return () => clearInterval(timer);
}
