// CONSOLE_OPERATORS_FILE is read again when it changes (a ConfigMap or Secret update reaches the pod as a
// changed file): added operators can sign in, and removed ones lose their sessions at once. A file that
// no longer parses is logged and the last good list kept.
import { statSync } from 'node:fs';
import type { Logger } from '@switchboard/core';
import { loadOperators, type OperatorDirectory } from './operators';

const CHECK_MS = 5000;

export interface ReloadDeps {
  directory: OperatorDirectory;
  /** The CONSOLE_OPERATORS entries, kept alongside the file's. */
  entries: string[];
  file: string;
  /** Called for each login no longer configured. */
  removed: (login: string) => Promise<unknown>;
  logger: Logger;
}

const stamp = (file: string) => {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'missing';
  }
};

/** Reads the file again now; the logins removed. */
export async function reloadOperators({ directory, entries, file, removed, logger }: ReloadDeps): Promise<string[]> {
  let gone: string[];
  try {
    gone = directory.replace(loadOperators(entries, file));
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'operators file not reloaded; keeping the last good list');
    return [];
  }
  for (const login of gone) await removed(login);
  logger.info({ operators: directory.accounts.length, removed: gone }, 'operators file reloaded');
  return gone;
}

/** Watches the file until the returned function is called. */
export function watchOperators(deps: ReloadDeps): () => void {
  let last = stamp(deps.file);
  const timer = setInterval(() => {
    const now = stamp(deps.file);
    if (now === last) return;
    last = now;
    reloadOperators(deps).catch((err: Error) => deps.logger.error({ err: err.message }, 'operators reload failed'));
  }, CHECK_MS);
  return () => clearInterval(timer);
}
