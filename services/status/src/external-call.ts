// One call out to Slack, Asana or the bot, timed and counted by outcome in the external-call metrics.
import type { Metrics } from '@switchboard/core';

/** The failure's label: an HTTP status when the client gives one, else "error". */
const outcomeOf = (err: unknown) => {
  const status = (err as { status?: number }).status;
  return status ? String(status) : 'error';
};

export async function countedCall<T>(metrics: Metrics, api: string, method: string, run: () => Promise<T>): Promise<T> {
  const stop = metrics.externalCallSeconds.startTimer({ api, method });
  try {
    const result = await run();
    metrics.externalCallsTotal.inc({ api, method, outcome: 'ok' });
    return result;
  } catch (err) {
    metrics.externalCallsTotal.inc({ api, method, outcome: outcomeOf(err) });
    throw err;
  } finally {
    stop();
  }
}
