// Handoffs no operator took within their deadline go back to the bot: every replica sweeps, a claim is atomic
// (handoff.ts), and the two events it publishes have ids derived from the request, so a replica that dies
// after publishing and before finishing makes the next claim publish duplicates that consumers drop.
import { create, OperatorMessageKind, OperatorSchema, StatusChange } from '@switchboard/proto';
import type { Logger } from '@switchboard/core';
import type { OperatorActions } from './actions';
import type { HandoffStore } from './handoff';

export interface HandoffSweepDeps {
  handoffs: HandoffStore;
  actions: OperatorActions;
  timeoutSeconds: number;
  logger: Logger;
  intervalMs?: number;
}

/** The event ids of one request's timeout: the same on every replica and every retry. */
export const handoffTimeoutIds = (requestId: string) => ({
  status: `handoff-timeout:${requestId}`,
  bot: `handoff-timeout:${requestId}:bot`,
});

/** Times out every due handoff this call claims; how many. */
export async function sweepHandoffs(
  { handoffs, actions, timeoutSeconds, logger }: HandoffSweepDeps,
  nowMs = Date.now(),
): Promise<number> {
  const system = create(OperatorSchema, {
    id: 'system',
    name: `no operator within ${timeoutSeconds} s`,
    source: 'system',
  });
  let timedOut = 0;
  for (const conversationId of await handoffs.due(nowMs)) {
    const requestId = await handoffs.claim(conversationId, nowMs);
    if (requestId === null) continue;
    const request = await handoffs.get(conversationId);
    const ids = handoffTimeoutIds(requestId);
    await actions.act({
      conversationId,
      change: StatusChange.HANDOFF_TIMED_OUT,
      actor: system,
      eventId: ids.status,
      note: request?.reason ?? '',
    });
    await actions.tellBot({
      conversationId,
      kind: OperatorMessageKind.HANDOFF_TIMEOUT,
      text: request?.reason ?? '',
      actor: system,
      eventId: ids.bot,
    });
    await handoffs.finish(conversationId, requestId);
    logger.info({ conversationId, requestId }, "handoff timed out; control is the bot's again");
    timedOut += 1;
  }
  return timedOut;
}

/** Sweeps every second (deadlines are seconds apart) until the returned function is called. */
export function startHandoffSweep(deps: HandoffSweepDeps): () => void {
  const timer = setInterval(() => {
    sweepHandoffs(deps).catch((err: Error) =>
      deps.logger.warn({ err: err.message }, 'handoff sweep failed; next one in a second'),
    );
  }, deps.intervalMs ?? 1000);
  return () => clearInterval(timer);
}
