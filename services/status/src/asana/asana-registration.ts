// Registers our webhook on the Asana project at start-up: once across replicas (the store's lock), at the
// configured URL plus a random segment made for this registration (the handshake is taken only there),
// replacing any of ours whose secret or target we no longer know, and retried every 30 s until Asana takes it.
import type { Logger } from '@switchboard/core';
import { Locks, type Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';
import { WEBHOOK_FILTERS, type AsanaApi, type WebhookFilter } from './asana-client';
import type { AsanaWebhookSecrets } from './asana-webhook-secrets';

const HANDSHAKE_WINDOW_SECONDS = 60;
const RETRY_MS = 30000;

export interface RegistrationDeps {
  api: AsanaApi;
  secrets: AsanaWebhookSecrets;
  redis: Redis;
  keys: StatusKeys;
  logger: Logger;
}

/** Whether a webhook's target is one of ours: the base URL itself (older registrations) or base/segment. */
export const isOurTarget = (base: string, target: string) =>
  target === base || (target.startsWith(`${base}/`) && !target.slice(base.length + 1).includes('/'));

/** Whether a registered webhook's filters ask for all we follow (one registered before comments were followed does not). */
export function followsAll(filters: unknown): boolean {
  if (!Array.isArray(filters)) return false;
  const has = (want: WebhookFilter) =>
    filters.some((f: Record<string, unknown> | null) => {
      if (typeof f !== 'object' || f === null) return false;
      const fields: unknown[] = Array.isArray(f.fields) ? f.fields : [];
      return (
        f.resource_type === want.resource_type &&
        f.action === want.action &&
        (want.resource_subtype === undefined || f.resource_subtype === want.resource_subtype) &&
        (want.fields ?? []).every((field) => fields.includes(field))
      );
    });
  return WEBHOOK_FILTERS.every(has);
}

/**
 * Makes sure the project has our webhook: one at our current target with a secret we know is kept; any
 * other of ours is replaced. Asana calls the target back during creation, so the HTTP server must be
 * listening first. `base` is ASANA_WEBHOOK_TARGET_URL (the public URL of /asana/webhook).
 */
export async function ensureAsanaWebhook(deps: RegistrationDeps, base: string): Promise<'exists' | 'created'> {
  const { api, secrets, redis, keys, logger } = deps;
  const locks = new Locks(redis, keys, 'asana-webhook', { ttlMs: 60000 });
  let held = await locks.acquire('register');
  for (let i = 0; !held; i += 1) {
    if (i > 120) throw new Error('another replica holds the Asana webhook registration lock');
    await new Promise((r) => setTimeout(r, 500));
    held = await locks.acquire('register');
  }
  try {
    const root = base.replace(/\/+$/, '');
    const existing = (await api.projectWebhooks()).filter((w) => isOurTarget(root, w.target));
    const [secret, segment] = await Promise.all([secrets.current(), secrets.targetSegment()]);
    if (
      secret &&
      segment &&
      existing.some((w) => w.active && w.target === `${root}/${segment}` && followsAll(w.filters))
    )
      return 'exists';
    for (const w of existing) await api.deleteWebhook(w.gid);
    const fresh = await secrets.openHandshake(HANDSHAKE_WINDOW_SECONDS);
    const gid = await api.createWebhook(`${root}/${fresh}`);
    // The segment is a secret of sorts: logged only as where it starts.
    logger.info({ webhookGid: gid, target: `${root}/${fresh.slice(0, 4)}…` }, 'Asana webhook registered');
    return 'created';
  } finally {
    await secrets.closeHandshake();
    await held.release();
  }
}

/** ensureAsanaWebhook until it succeeds, in the background; the returned function stops the retries. */
export function keepAsanaWebhookRegistered(deps: RegistrationDeps, target: string): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const attempt = async (n: number): Promise<void> => {
    try {
      const result = await ensureAsanaWebhook(deps, target);
      deps.logger.info({ target, result }, 'Asana webhook in place');
    } catch (err) {
      deps.logger.error(
        { err: (err as Error).message, attempt: n },
        'could not register the Asana webhook; trying again in 30 s',
      );
      if (!stopped) timer = setTimeout(() => void attempt(n + 1), RETRY_MS).unref();
    }
  };
  void attempt(1);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
