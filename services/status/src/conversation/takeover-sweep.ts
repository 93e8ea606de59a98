// Takeovers idle past their deadline go back to the bot. Every replica sweeps; the release is atomic and
// the event id is the same for all of them, so one hand-back is recorded once.
import { create, OperatorSchema, StatusChange } from '@switchboard/proto';
import type { Logger } from '@switchboard/core';
import type { OperatorActions } from './actions';
import type { TakeoverStore } from './takeover';

const SWEEP_INTERVAL_MS = 5000;

export interface SweepDeps {
  takeovers: TakeoverStore;
  actions: OperatorActions;
  idleMinutes: number;
  logger: Logger;
}

/** Hands back every takeover whose deadline has passed; the number handed back by this call. */
export async function sweepIdleTakeovers(
  { takeovers, actions, idleMinutes }: SweepDeps,
  nowMs = Date.now(),
): Promise<number> {
  const system = create(OperatorSchema, { id: 'system', name: `idle for ${idleMinutes} minutes`, source: 'system' });
  let released = 0;
  for (const conversationId of await takeovers.due(nowMs)) {
    const deadline = await takeovers.deadline(conversationId);
    if (deadline === null || !(await takeovers.releaseIfDue(conversationId, nowMs))) continue;
    await actions.act({
      conversationId,
      change: StatusChange.TAKEOVER_ENDED,
      actor: system,
      eventId: `takeover-idle-${conversationId}-${deadline}`,
    });
    released += 1;
  }
  return released;
}

/** Sweeps every few seconds until the returned function is called. */
export function startTakeoverSweep(deps: SweepDeps): () => void {
  const timer = setInterval(() => {
    sweepIdleTakeovers(deps).catch((err: Error) =>
      deps.logger.warn({ err: err.message }, 'takeover sweep failed; next one in a few seconds'),
    );
  }, SWEEP_INTERVAL_MS);
  return () => clearInterval(timer);
}
