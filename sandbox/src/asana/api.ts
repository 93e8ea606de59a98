// The Asana REST API stand-in, mounted at /asana/api/1.0 so that the asana v3 client with
// basePath 'http://host:port/asana/api/1.0' talks to it unchanged. Before any route: faults, the bearer
// token (401), the per-token budget and the search budget (429 + Retry-After); errors are Asana's {errors: [{message}]}.
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AsanaError, type Json, badRequest, notFound, paginate, webhookJson, withFields } from './model';
import { registerTaskListRoutes } from './lists';
import { type AsanaContext, dataOf, registerTaskRoutes } from './tasks';
import { registerWorkspaceRoutes } from './workspace';
import type { FaultInjector } from '../faults';
import type { AsanaSettings } from '../settings';
import type { AsanaWebhook, SandboxState, WebhookFilter } from '../state';
import type { WebhookDispatcher } from './webhooks';

export const ASANA_PREFIX = '/asana/api/1.0';

export interface AsanaApiOptions {
  state: SandboxState;
  settings: AsanaSettings;
  faults: FaultInjector;
  dispatcher: WebhookDispatcher;
}

const FAULT_MESSAGES: Record<number, string> = {
  429: 'You have made too many requests recently. Please, be chill.',
  500: 'Server Error',
  503: 'Service Unavailable',
};

const tokenOf = (request: FastifyRequest) => /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();

export async function asanaApi(
  app: FastifyInstance,
  { state, settings, faults, dispatcher }: AsanaApiOptions,
): Promise<void> {
  await app.register(formbody);
  // The client sends Content-Type: application/json on bodiless requests too; an empty body is no body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(badRequest('Could not parse request data, invalid JSON'), undefined);
    }
  });

  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url?.slice(ASANA_PREFIX.length) || '(no route)';
    state.counters.asanaCalls.inc(`${request.method} ${route}`);
    const fault = faults.take('asana');
    if (fault) {
      state.counters.faultsServed.inc(`asana:${fault.status}`);
      throw new AsanaError(
        fault.status,
        FAULT_MESSAGES[fault.status],
        fault.retryAfter !== null ? { 'retry-after': String(fault.retryAfter) } : {},
      );
    }
    const token = tokenOf(request);
    if (!token || settings.invalidTokens.has(token)) throw new AsanaError(401, 'Not Authorized');
    const wait = settings.limiter?.take(token) ?? 0;
    if (wait > 0) throw new AsanaError(429, FAULT_MESSAGES[429], { 'retry-after': String(wait) });
    // The workspace search has a budget of its own (60 a minute at Asana), spent after the general one.
    if (route === '/workspaces/:workspace_gid/tasks/search') {
      const searchWait = settings.searchLimiter?.take(token) ?? 0;
      if (searchWait > 0) throw new AsanaError(429, FAULT_MESSAGES[429], { 'retry-after': String(searchWait) });
    }
  });
  app.addHook('onResponse', async (_request, reply) => state.counters.asanaStatuses.inc(String(reply.statusCode)));

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const asana =
      error instanceof AsanaError
        ? error
        : error.statusCode && error.statusCode < 500
          ? badRequest(error.message)
          : new AsanaError(500, 'Server Error');
    return reply.code(asana.status).headers(asana.headers).send(asana.body());
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(new AsanaError(404, 'No matching route for request').body()),
  );

  const ctx: AsanaContext = {
    state,
    settings,
    dispatcher,
    actor: (request) => state.asana.userFor(tokenOf(request) ?? ''),
    baseUrl: (request) => `${request.protocol}://${request.host}`,
  };
  registerTaskRoutes(app, ctx);
  registerTaskListRoutes(app, ctx);
  registerWorkspaceRoutes(app, ctx);
  registerWebhookRoutes(app, ctx);
}

function filtersOf(value: unknown): WebhookFilter[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badRequest('filters: Value must be an array');
  return value.map((f, i) => {
    if (typeof f !== 'object' || f === null || typeof (f as Json).resource_type !== 'string')
      throw badRequest(`filters: [${i}]: resource_type: Missing input`);
    const { resource_type, resource_subtype, action, fields } = f as Json;
    return {
      resource_type: resource_type as string,
      ...(typeof resource_subtype === 'string' ? { resource_subtype } : {}),
      ...(typeof action === 'string' ? { action } : {}),
      ...(Array.isArray(fields) ? { fields: fields.map(String) } : {}),
    };
  });
}

function registerWebhookRoutes(app: FastifyInstance, ctx: AsanaContext): void {
  const store = () => ctx.state.asana;
  const workspaceOf = (w: AsanaWebhook) =>
    w.resourceType === 'workspace'
      ? w.resourceGid
      : w.resourceType === 'project'
        ? store().projects.get(w.resourceGid)?.workspaceGid
        : store().tasks.get(w.resourceGid)?.workspaceGid;

  app.post<{ Querystring: Json }>('/webhooks', async (request, reply) => {
    const data = dataOf(request);
    const resourceGid = String(data.resource ?? '');
    if (!resourceGid) throw badRequest('resource: Missing input');
    const resourceType = store().projects.has(resourceGid)
      ? 'project'
      : store().tasks.has(resourceGid)
        ? 'task'
        : store().workspaces.has(resourceGid)
          ? 'workspace'
          : undefined;
    if (!resourceType) throw notFound(resourceGid);
    const target = String(data.target ?? '');
    if (!/^https?:\/\/[^/]+/.test(target)) throw badRequest('target: Must be a valid http or https URL');
    const filters = filtersOf(data.filters);
    if (resourceType === 'workspace' && filters.length === 0)
      throw badRequest('filters: Webhooks on a workspace must have filters');

    // Asana confirms the target while this request is still open: the receiver must answer concurrently.
    const handshake = await ctx.dispatcher.handshake(target);
    if ('failure' in handshake)
      throw badRequest(`Could not complete the handshake with the target: ${handshake.failure}`);
    const webhook: AsanaWebhook = {
      gid: store().nextGid(),
      resourceGid,
      resourceType,
      target,
      secret: handshake.secret,
      filters,
      active: true,
      createdAt: new Date().toISOString(),
      lastSuccessAt: null,
      lastFailureAt: null,
      lastFailureContent: '',
      delivered: 0,
      failed: 0,
    };
    store().webhooks.set(webhook.gid, webhook);
    return reply
      .code(201)
      .send({ data: withFields(webhookJson(store(), webhook), request.query), 'X-Hook-Secret': handshake.secret });
  });

  app.get<{ Querystring: Json }>('/webhooks', async (request) => {
    const { workspace, resource } = request.query;
    if (workspace === undefined) throw badRequest('workspace: Missing input');
    const hooks = [...store().webhooks.values()].filter(
      (w) => workspaceOf(w) === String(workspace) && (resource === undefined || w.resourceGid === String(resource)),
    );
    return paginate(
      hooks.map((w) => withFields(webhookJson(store(), w), request.query)),
      request.query,
      '/webhooks',
      `${ctx.baseUrl(request)}${ASANA_PREFIX}`,
    );
  });

  const findWebhook = (gid: string) => {
    const webhook = store().webhooks.get(gid);
    if (!webhook) throw notFound(gid);
    return webhook;
  };
  app.get<{ Params: { webhook_gid: string }; Querystring: Json }>('/webhooks/:webhook_gid', async (request) => ({
    data: withFields(webhookJson(store(), findWebhook(request.params.webhook_gid)), request.query),
  }));
  app.put<{ Params: { webhook_gid: string }; Querystring: Json }>('/webhooks/:webhook_gid', async (request) => {
    const webhook = findWebhook(request.params.webhook_gid);
    webhook.filters = filtersOf(dataOf(request).filters);
    return { data: withFields(webhookJson(store(), webhook), request.query) };
  });
  app.delete<{ Params: { webhook_gid: string } }>('/webhooks/:webhook_gid', async (request) => {
    store().webhooks.delete(findWebhook(request.params.webhook_gid).gid);
    return { data: {} };
  });
}
