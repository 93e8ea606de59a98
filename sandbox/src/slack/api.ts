// The Slack Web API stand-in, mounted at /slack/api/ so that
// new WebClient(token, { slackApiUrl: 'http://host:port/slack/api/' }) talks to it unchanged.
// It decodes what the WebClient sends (form fields or JSON), checks the token, applies faults and
// the per-channel posting limit and the method tiers, and answers as Slack does: HTTP 200 with ok true/false, 429 when limited.
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FaultInjector } from '../faults';
import type { SlackSettings } from '../settings';
import { RateLimited, callerFor, slackMethods } from './methods';
import type { SandboxState } from '../state';

export const SLACK_PREFIX = '/slack/api';

export interface SlackApiOptions {
  state: SandboxState;
  settings: SlackSettings;
  faults: FaultInjector;
}

type Json = Record<string, unknown>;

/** The token a request carries: the Authorization header, or a `token` field in a form or query. */
function tokenOf(request: FastifyRequest, args: Json): string | undefined {
  const header = request.headers.authorization;
  if (header) return /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() || undefined;
  // Slack does not read a token from a JSON body: JSON callers must use the header.
  if (request.headers['content-type']?.startsWith('application/json')) return undefined;
  return typeof args.token === 'string' && args.token ? args.token : undefined;
}

const FAULT_ERRORS: Record<number, string> = { 429: 'ratelimited', 500: 'internal_error', 503: 'service_unavailable' };

export async function slackApi(app: FastifyInstance, { state, settings, faults }: SlackApiOptions): Promise<void> {
  await app.register(formbody);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    // A body Slack could not read is still an HTTP 200 with ok: false.
    if (error.statusCode && error.statusCode < 500) {
      const json = error.code?.includes('JSON') ?? false;
      state.counters.slackOutcomes.inc(json ? 'invalid_json' : 'invalid_form_data');
      return reply.code(200).send({ ok: false, error: json ? 'invalid_json' : 'invalid_form_data' });
    }
    state.counters.slackOutcomes.inc('internal_error');
    return reply.code(500).send({ ok: false, error: 'internal_error' });
  });

  app.setNotFoundHandler((_request, reply) => {
    state.counters.slackOutcomes.inc('unknown_method');
    return reply.code(200).send({ ok: false, error: 'unknown_method' });
  });

  const handle = async (request: FastifyRequest<{ Params: { method: string } }>, reply: FastifyReply) => {
    const method = request.params.method;
    const { counters } = state;
    counters.slackCalls.inc(method);
    const answer = (outcome: string, body: Json, code = 200) => {
      counters.slackOutcomes.inc(outcome);
      return reply.code(code).send(body);
    };

    const fault = faults.take('slack');
    if (fault) {
      counters.faultsServed.inc(`slack:${fault.status}`);
      if (fault.retryAfter !== null) reply.header('retry-after', String(fault.retryAfter));
      return answer(`fault_${fault.status}`, { ok: false, error: FAULT_ERRORS[fault.status] }, fault.status);
    }
    const impl = slackMethods[method];
    if (!impl) return answer('unknown_method', { ok: false, error: 'unknown_method', req_method: method });
    if (method === 'chat.postMessage' && settings.postMessageLatencyMs > 0)
      await new Promise((r) => setTimeout(r, settings.postMessageLatencyMs));

    const body = typeof request.body === 'object' && request.body !== null ? (request.body as Json) : {};
    const args: Json = { ...(request.query as Json), ...body };
    const token = tokenOf(request, args);
    if (!token) return answer('not_authed', { ok: false, error: 'not_authed' });
    if (settings.invalidTokens.has(token)) return answer('invalid_auth', { ok: false, error: 'invalid_auth' });
    // Slack's method tiers (when on): a 429 with Retry-After, as for the per-channel posting pace.
    const tierWait = settings.takeTier(method, token);
    if (tierWait > 0) {
      counters.slackRateLimitedByMethod.inc(method);
      reply.header('retry-after', String(tierWait));
      return answer('ratelimited', { ok: false, error: 'ratelimited' }, 429);
    }

    const result = impl({
      args,
      caller: callerFor(token),
      store: state.slack,
      settings,
      counters,
      baseUrl: `${request.protocol}://${request.host}`,
    });
    if (result instanceof RateLimited) {
      reply.header('retry-after', String(result.retryAfter));
      return answer('ratelimited', { ok: false, error: 'ratelimited' }, 429);
    }
    return answer(result.ok ? 'ok' : String(result.error), result);
  };

  app.post('/:method', handle);
  app.get('/:method', handle);
}
