// HTTP routes of ingress: POST /v1/events, the Dashbot-compatible POST /track, GET /docs/json. Answers
// 202 only after Kafka acknowledged every new event, 503 with Retry-After when it cannot, 429 over the
// key's rate budget, and 4xx with a message naming what is wrong for bad input.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, createAuthenticator, unscopeId, type ApiKey, type Logger, type Metrics } from '@switchboard/core';
import type { RateBudget } from '@switchboard/store';
import { KafkaUnavailable, PublishBacklogFull, type EventAcceptor } from './accept';
import { toMessageEvent } from './events';
import { openApiDocument } from './openapi';
import type { EventBody } from './schema';
import { trackToEvents, type TrackQuery } from './track/index';
import { BadRequest, checked, eventsOf, handoffEventOf } from './validate';

export interface IngressRoutesOptions {
  acceptor: EventAcceptor;
  apiKeys: ApiKey[];
  /** Per-API-key budget in events, shared by every ingress replica; none means unlimited. */
  rateBudget?: RateBudget;
  /** The budget's burst: a request never costs more, so the largest batch can pass at all. */
  rateBurst?: number;
  metrics: Metrics;
  logger: Logger;
  retryAfterSeconds?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    botId?: string;
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

export const httpReason = (status: number) => REASONS[status] ?? 'Bad Request';

export function registerIngressRoutes(app: FastifyInstance, options: IngressRoutesOptions): void {
  const { acceptor, apiKeys, rateBudget, rateBurst = Infinity, metrics, logger, retryAfterSeconds = 5 } = options;
  const authenticate = createAuthenticator(apiKeys);
  const reject = (reply: FastifyReply, status: number, message: string) => {
    metrics.eventsTotal.inc({ topic: 'ingress', outcome: `rejected_${status}` });
    return reply.code(status).send({ error: httpReason(status), message });
  };

  // Only JSON is an event; text/plain (fastify's other default) gets a 415 like any unknown type.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send({ error: 'Internal Server Error', message: 'the request could not be handled' });
    }
    return reject(reply, status, clientMessage(error));
  });

  app.setNotFoundHandler((request, reply) =>
    reject(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  /** Authenticates; the rate budget is spent once the request's events are known. */
  const admit = async (token: string | undefined, request: FastifyRequest, reply: FastifyReply, how: string) => {
    const botId = authenticate(token);
    if (!botId) {
      reply.header('www-authenticate', 'Bearer');
      return reject(reply, 401, `send a valid API key ${how}`);
    }
    request.botId = botId;
  };

  /**
   * Spends one unit of the key's budget per event (a batch of 500 costs 500), capped at the burst so the
   * largest batch can pass at all. Returns false after answering 429.
   */
  const spend = async (request: FastifyRequest, reply: FastifyReply, events: number): Promise<boolean> => {
    if (!rateBudget) return true;
    let answer;
    try {
      answer = await rateBudget.tryTake(request.botId!, Math.min(events, rateBurst));
    } catch (err) {
      // The budget lives in Redis; without it, accepting beats refusing events we could persist.
      logger.warn({ err: (err as Error).message }, 'rate budget unavailable; not limiting');
      return true;
    }
    if (answer.allowed) return true;
    reply.header('retry-after', String(Math.max(1, Math.ceil(answer.waitMs / 1000))));
    await reject(reply, 429, `rate limit of API key "${request.botId}" exceeded; retry after the Retry-After seconds`);
    return false;
  };

  /** `single`: control is one value, not an object by conversation. `extra` joins the 202 (what /track ignored). */
  async function acceptAndReply(
    request: FastifyRequest,
    reply: FastifyReply,
    bodies: EventBody[],
    single: boolean,
    extra: Record<string, unknown> = {},
  ) {
    if (!(await spend(request, reply, bodies.length))) return reply;
    const now = new Date();
    const events = bodies.map((body) => toMessageEvent(body, { botId: request.botId!, now }));
    const idsMadeHere = new Set(events.filter((_, i) => bodies[i].event_id === undefined).map((e) => e.eventId));
    try {
      const result = await acceptor.accept(events, idsMadeHere);
      const duplicates = result.events.filter((e) => e.duplicate).length;
      metrics.eventsTotal.inc({ topic: 'ingress', outcome: 'accepted' }, result.events.length - duplicates);
      if (duplicates > 0) metrics.eventsTotal.inc({ topic: 'ingress', outcome: 'duplicate' }, duplicates);
      return reply.code(202).send({
        accepted: result.events.length - duplicates,
        duplicates,
        // The bot gets its own ids back: the bot scope is Switchboard's, not the bot's.
        events: result.events.map((e) => ({
          event_id: unscopeId(e.eventId).id,
          conversation_id: unscopeId(e.conversationId).id,
          duplicate: e.duplicate,
        })),
        control: single
          ? result.control[events[0].conversationId]
          : Object.fromEntries(Object.entries(result.control).map(([id, control]) => [unscopeId(id).id, control])),
        ...extra,
      });
    } catch (err) {
      if (!(err instanceof KafkaUnavailable)) throw err;
      const full = err instanceof PublishBacklogFull;
      request.log.warn(
        { err: err.message },
        full ? 'publish backlog full, answering 503' : 'kafka unavailable, answering 503',
      );
      metrics.eventsTotal.inc({ topic: 'ingress', outcome: full ? 'backlog_full' : 'unavailable' }, events.length);
      reply.header('retry-after', String(retryAfterSeconds));
      return reply.code(503).send({
        error: 'Service Unavailable',
        message: `events were not persisted${full ? ' (too many events wait for Kafka)' : ''}; retry later with the same event_id`,
      });
    }
  }

  app.post(
    '/v1/events',
    {
      preHandler: (request, reply) =>
        admit(bearerToken(request.headers.authorization), request, reply, 'as "Authorization: Bearer <key>"'),
    },
    async (request, reply) => {
      let bodies: EventBody[];
      try {
        bodies = eventsOf(request.body);
      } catch (err) {
        if (err instanceof BadRequest) return reject(reply, err.statusCode, err.message);
        throw err;
      }
      return acceptAndReply(request, reply, bodies, !('events' in (request.body as object)));
    },
  );

  // The bot asks for a human without a message: one event with no text and the handoff, through the same
  // path as any event (idempotency key, Kafka acknowledgement, the control in the reply).
  app.post<{ Params: { id: string } }>(
    '/v1/conversations/:id/handoff',
    {
      preHandler: (request, reply) =>
        admit(bearerToken(request.headers.authorization), request, reply, 'as "Authorization: Bearer <key>"'),
    },
    async (request, reply) => {
      let body: EventBody;
      try {
        body = handoffEventOf(request.params.id, request.body);
      } catch (err) {
        if (err instanceof BadRequest) return reject(reply, err.statusCode, err.message);
        throw err;
      }
      return acceptAndReply(request, reply, [body], true);
    },
  );

  // The key may come as a header (preferred: query strings end up in proxies' access logs) or, as Dashbot's
  // SDKs send it, as the apiKey query parameter. Ingress never logs the query string.
  const trackKey = (request: FastifyRequest) =>
    bearerToken(request.headers.authorization) ?? queryString((request.query as TrackQuery).apiKey);

  app.post<{ Querystring: TrackQuery }>(
    '/track',
    {
      preHandler: (request, reply) =>
        admit(trackKey(request), request, reply, 'as "Authorization: Bearer <key>" or the apiKey query parameter'),
    },
    async (request, reply) => {
      let outcome;
      try {
        const mapped = trackToEvents(request.query, request.body);
        outcome = {
          ...mapped,
          events: mapped.events.map((event, i) =>
            checked(event, mapped.events.length > 1 ? `event ${i + 1} of ${mapped.events.length}` : ''),
          ),
        };
      } catch (err) {
        if (err instanceof BadRequest) return reject(reply, err.statusCode, err.message);
        throw err;
      }
      const ignored = outcome.ignored.length > 0 ? { ignored: outcome.ignored } : {};
      if (outcome.events.length === 0) {
        // Nothing to record still costs one unit: a flood of typing indicators is a flood all the same.
        if (!(await spend(request, reply, 1))) return reply;
        metrics.eventsTotal.inc({ topic: 'ingress', outcome: 'ignored' });
        return reply.code(200).send({
          accepted: 0,
          duplicates: 0,
          events: [],
          message: `nothing was recorded: ${outcome.ignored.join('; ')}`,
          ...ignored,
        });
      }
      const conversations = new Set(outcome.events.map((e) => e.conversation_id));
      return acceptAndReply(request, reply, outcome.events, conversations.size === 1, ignored);
    },
  );

  app.get('/docs/json', async () => openApiDocument);
}

/** A query parameter given once; a repeated one (an array) counts as absent. */
const queryString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** fastify's own messages for parse errors are clear enough; others are shortened to one line. */
function clientMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'send the body as Content-Type: application/json';
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'the request body is larger than the limit';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'the body is empty; send one event or {"events": [...]}';
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
    return `the body is not valid JSON: ${error.message}`;
  return error.message.split('\n')[0];
}
