// Graceful shutdown: on SIGTERM or SIGINT, run the service's close steps in order (stop taking work,
// finish the batch in hand and commit, disconnect), each bounded in time, then exit.
import type { Logger } from 'pino';

export interface CloseStep {
  name: string;
  close(): Promise<unknown> | unknown;
}

export function closeInOrder(steps: CloseStep[], logger: Logger, timeoutMs = 15000): Promise<void> {
  return steps.reduce<Promise<void>>(async (previous, step) => {
    await previous;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const outcome = await Promise.race([Promise.resolve(step.close()), timeout]);
      if (outcome === 'timeout') logger.warn({ step: step.name, timeoutMs }, 'shutdown step timed out');
    } catch (err) {
      logger.error({ err, step: step.name }, 'shutdown step failed');
    } finally {
      clearTimeout(timer);
    }
  }, Promise.resolve());
}

/** Installs the signal handlers once; a second signal while closing exits at once. */
export function handleShutdown(steps: CloseStep[], logger: Logger, timeoutMs?: number): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal while shutting down, exiting now');
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    closeInOrder(steps, logger, timeoutMs).then(
      () => {
        logger.info('shut down cleanly');
        logger.flush?.();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
