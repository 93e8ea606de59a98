// Asana's side of the status service. POST /asana/webhook takes the X-Hook-Secret handshake (only while
// our own registration is under way, so nobody else can plant a secret) and then events signed with
// X-Hook-Signature. A task completed in Asana closes its conversation; uncompleted reopens it.
// At start-up the webhook on the project is registered once (a lock keeps replicas from racing).
import * as Asana from 'asana';
import type { FastifyInstance } from 'fastify';
import { StatusChange } from '@switchboard/proto';
import { conversationInNotes, type Logger, type Metrics } from '@switchboard/core';
import type { ConversationRefs, Keys, Redis } from '@switchboard/store';
import { KafkaTimeout, type OperatorActions } from '../conversation/actions';
import type { ConversationIndex } from '../conversation/conversations';
import type { Identities } from '../operators/identities';
import { InboundOnce } from '../inbound-once';
import { verifyAsana } from '../signatures';

const HANDSHAKE_WINDOW_SECONDS = 60;

export interface AsanaApiOptions {
  token: string;
  baseUrl: string;
  workspaceGid: string;
  projectGid: string;
}

export interface TaskState {
  completed: boolean;
  notes: string;
}

/** The Asana calls the status service makes, through the real `asana` client, each counted in metrics. */
export class AsanaApi {
  private readonly tasks: Asana.TasksApi;
  private readonly webhooks: Asana.WebhooksApi;
  private readonly users: Asana.UsersApi;

  constructor(
    readonly options: AsanaApiOptions,
    private readonly metrics: Metrics,
  ) {
    const client = new Asana.ApiClient();
    client.basePath = options.baseUrl.replace(/\/+$/, '');
    (client.authentications as unknown as { token: { accessToken: string } }).token.accessToken = options.token;
    (client as unknown as { RETURN_COLLECTION: boolean }).RETURN_COLLECTION = false;
    client.timeout = 10000;
    this.tasks = new Asana.TasksApi(client);
    this.webhooks = new Asana.WebhooksApi(client);
    this.users = new Asana.UsersApi(client);
  }

  /** Who an Asana user is, for the records; null when Asana does not say. */
  user(gid: string): Promise<{ name: string; email?: string } | null> {
    return this.call('users.get', async () => {
      const res = (await this.users.getUser(gid, { opt_fields: 'name,email' })) as { data?: { name?: string; email?: string } };
      return res.data?.name ? { name: res.data.name, email: res.data.email } : null;
    });
  }

  task(gid: string): Promise<TaskState> {
    return this.call('tasks.get', async () => {
      const res = (await this.tasks.getTask(gid, { opt_fields: 'completed,notes' })) as { data: { completed?: boolean; notes?: string } };
      return { completed: res.data.completed === true, notes: res.data.notes ?? '' };
    });
  }

  projectWebhooks(): Promise<{ gid: string; target: string; active: boolean }[]> {
    return this.call('webhooks.list', async () => {
      const res = (await this.webhooks.getWebhooks(this.options.workspaceGid, { resource: this.options.projectGid, opt_fields: 'target,active' })) as {
        data: { gid: string; target: string; active: boolean }[];
      };
      return res.data;
    });
  }

  createWebhook(target: string): Promise<string> {
    return this.call('webhooks.create', async () => {
      const body = { data: { resource: this.options.projectGid, target, filters: [{ resource_type: 'task', action: 'changed', fields: ['completed'] }] } };
      const res = (await this.webhooks.createWebhook(body, {})) as { data: { gid: string } };
      return res.data.gid;
    });
  }

  deleteWebhook(gid: string): Promise<void> {
    return this.call('webhooks.delete', async () => {
      await this.webhooks.deleteWebhook(gid);
    });
  }

  private async call<T>(method: string, run: () => Promise<T>): Promise<T> {
    const stop = this.metrics.externalCallSeconds.startTimer({ api: 'asana', method });
    try {
      const result = await run();
      this.metrics.externalCallsTotal.inc({ api: 'asana', method, outcome: 'ok' });
      return result;
    } catch (err) {
      const status = (err as { status?: number }).status;
      this.metrics.externalCallsTotal.inc({ api: 'asana', method, outcome: status ? String(status) : 'error' });
      throw err;
    } finally {
      stop();
    }
  }
}

interface AsanaEvent {
  action?: string;
  created_at?: string;
  user?: { gid?: string } | null;
  resource?: { gid?: string; resource_type?: string };
  change?: { field?: string } | null;
}

/** The tasks whose completion an event batch may have changed, each with the latest event about it. Pure. */
export function completionEvents(events: unknown): Map<string, AsanaEvent> {
  const out = new Map<string, AsanaEvent>();
  if (!Array.isArray(events)) return out;
  for (const e of events as AsanaEvent[]) {
    if (typeof e !== 'object' || e === null) continue;
    const resource = typeof e.resource === 'object' && e.resource !== null ? e.resource : undefined;
    const gid = resource?.gid;
    if (resource?.resource_type !== 'task' || typeof gid !== 'string' || !/^\d{1,30}$/.test(gid) || e.action !== 'changed') continue;
    if (e.change && (typeof e.change !== 'object' || e.change.field !== 'completed')) continue;
    out.set(gid, e);
  }
  return out;
}

export interface AsanaRouteOptions {
  api: AsanaApi;
  /** A secret given by hand (ASANA_WEBHOOK_SECRET), else the one the handshake stored. */
  configuredSecret?: string;
  actions: OperatorActions;
  identities: Identities;
  conversations: ConversationIndex;
  refs: ConversationRefs;
  redis: Redis;
  keys: Keys;
  logger: Logger;
  metrics: Metrics;
}

export async function registerAsanaRoutes(app: FastifyInstance, options: AsanaRouteOptions): Promise<void> {
  const { redis, keys, logger, metrics } = options;
  const once = new InboundOnce(redis, keys);

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    scope.post('/asana/webhook', async (request, reply) => {
      const handshakeSecret = request.headers['x-hook-secret'];
      if (typeof handshakeSecret === 'string') {
        // Only a registration of ours may set the secret: the marker is set just before we ask Asana.
        const expected = await redis.getdel(keys.asanaWebhookHandshake());
        if (!expected) {
          logger.warn('Asana handshake refused: no webhook registration is under way');
          return reply.code(403).send({ error: 'no webhook registration is under way' });
        }
        await redis.set(keys.asanaWebhookSecret(), handshakeSecret);
        logger.info('Asana webhook handshake done');
        return reply.code(200).header('x-hook-secret', handshakeSecret).send();
      }
      const secret = options.configuredSecret ?? (await redis.get(keys.asanaWebhookSecret()));
      if (!secret) return reply.code(401).send({ error: 'no Asana webhook secret is known yet: register the webhook first' });
      const raw = String(request.body ?? '');
      const verdict = verifyAsana(secret, typeof request.headers['x-hook-signature'] === 'string' ? request.headers['x-hook-signature'] : undefined, raw);
      if (!verdict.ok) {
        metrics.eventsTotal.inc({ topic: 'asana', outcome: 'rejected' });
        logger.warn({ reason: verdict.reason }, 'Asana webhook delivery refused');
        return reply.code(401).send({ error: `X-Hook-Signature check failed: ${verdict.reason}` });
      }
      let body: { events?: unknown };
      try {
        body = JSON.parse(raw) as { events?: unknown };
      } catch {
        return reply.code(400).send({ error: 'body is not JSON' });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply.code(400).send({ error: 'body is not a JSON object' });
      for (const [taskGid, event] of completionEvents(body.events)) await onTaskChanged(options, once, taskGid, event);
      return reply.code(200).send();
    });

    scope.setErrorHandler((err: Error, _request, reply) => {
      logger.error({ err: err.message }, 'Asana webhook delivery failed; Asana will deliver it again');
      // A non-2xx makes Asana deliver the batch again later.
      return reply.code(err instanceof KafkaTimeout ? 503 : 500).send({ error: 'could not handle the events; deliver again' });
    });
  });
}

async function onTaskChanged(options: AsanaRouteOptions, once: InboundOnce, taskGid: string, event: AsanaEvent): Promise<void> {
  const { api, refs, conversations, actions, identities, logger, metrics } = options;
  let task: TaskState;
  try {
    task = await api.task(taskGid);
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status !== 404 && status !== 403) throw err;
    metrics.eventsTotal.inc({ topic: 'asana', outcome: 'ignored' });
    return; // deleted since, or not ours to read: nothing to close
  }
  const conversationId = (await refs.conversationOfTask(taskGid)) ?? conversationInNotes(task.notes);
  if (!conversationId) {
    metrics.eventsTotal.inc({ topic: 'asana', outcome: 'ignored' });
    return; // a task of the project that is not a conversation's
  }
  const summary = await conversations.get(conversationId);
  const closed = summary?.closed ?? false;
  if (task.completed === closed) return; // already so: our own change coming back, or a repeat
  if (task.completed && summary?.spam) return; // the ticketer completes the task of a spam conversation
  const change = task.completed ? StatusChange.CLOSED : StatusChange.REOPENED;
  const id = `asana-${taskGid}-${typeof event.created_at === 'string' ? event.created_at.slice(0, 40) : ''}-${task.completed ? 'completed' : 'uncompleted'}`;
  const handled = await once.run('asana', id, async () => {
    const userGid = typeof event.user === 'object' && event.user !== null && typeof event.user.gid === 'string' ? event.user.gid : undefined;
    const actor = await identities.asanaUser(userGid);
    await actions.act({ conversationId, change, actor, eventId: id });
  });
  metrics.eventsTotal.inc({ topic: 'asana', outcome: handled ? 'ok' : 'duplicate' });
  logger.info({ conversationId, taskGid, change: StatusChange[change] }, 'Asana task change');
}

/**
 * Makes sure the project has our webhook: one with our target and a secret we know is kept; any other of
 * ours (a stale secret) is replaced. Asana calls the target back during creation, so the HTTP server must
 * be listening first.
 */
export async function ensureAsanaWebhook(api: AsanaApi, target: string, redis: Redis, keys: Keys, logger: Logger): Promise<'exists' | 'created'> {
  const lock = keys.lock('asana-webhook', 'register');
  const token = `${process.pid}-${Date.now()}`;
  for (let i = 0; (await redis.set(lock, token, 'EX', 60, 'NX')) === null; i += 1) {
    if (i > 120) throw new Error('another replica holds the Asana webhook registration lock');
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    const existing = (await api.projectWebhooks()).filter((w) => w.target === target);
    const secret = await redis.get(keys.asanaWebhookSecret());
    if (secret && existing.some((w) => w.active)) return 'exists';
    for (const w of existing) await api.deleteWebhook(w.gid);
    await redis.set(keys.asanaWebhookHandshake(), '1', 'EX', HANDSHAKE_WINDOW_SECONDS);
    const gid = await api.createWebhook(target);
    logger.info({ webhookGid: gid, target }, 'Asana webhook registered');
    return 'created';
  } finally {
    await redis.del(keys.asanaWebhookHandshake());
    if ((await redis.get(lock)) === token) await redis.del(lock);
  }
}
