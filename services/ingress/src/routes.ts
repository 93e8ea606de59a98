// HTTP routes of ingress: POST /v1/events. Answers 202 only after Kafka acknowledged every new event,
// 503 with Retry-After when it cannot, and 4xx with a message naming what is wrong for bad input.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger, Metrics } from '@switchboard/core';
import { authenticate, bearerToken, type ApiKey } from './api-keys';
import { KafkaUnavailable, type EventAcceptor } from './accept';
import { toMessageEvent } from './events';
import { BadRequest, eventsOf } from './validate';

export interface IngressRoutesOptions {
  acceptor: EventAcceptor;
  apiKeys: ApiKey[];
  metrics: Metrics;
  logger: Logger;
  retryAfterSeconds?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    botId?: string;
  }
}

export function registerIngressRoutes(app: FastifyInstance, options: IngressRoutesOptions): void {
  const { acceptor, apiKeys, metrics, retryAfterSeconds = 5 } = options;
  // Only JSON is an event; text/plain (fastify's other default) gets a 415 like any unknown type.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(500).send({ error: 'Internal Server Error', message: 'the request could not be handled' });
    }
    metrics.eventsTotal.inc({ topic: 'ingress', outcome: `rejected_${status}` });
    return reply.code(status).send({ error: httpReason(status), message: clientMessage(error) });
  });

  const requireBot = async (request: FastifyRequest, reply: FastifyReply) => {
    const botId = authenticate(apiKeys, bearerToken(request.headers.authorization));
    if (!botId) {
      metrics.eventsTotal.inc({ topic: 'ingress', outcome: 'rejected_401' });
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'Unauthorized', message: 'send a valid API key as "Authorization: Bearer <key>"' });
    }
    request.botId = botId;
  };

  app.post('/v1/events', { preHandler: requireBot }, async (request, reply) => {
    let bodies;
    try {
      bodies = eventsOf(request.body);
    } catch (err) {
      if (err instanceof BadRequest) {
        metrics.eventsTotal.inc({ topic: 'ingress', outcome: `rejected_${err.statusCode}` });
        return reply.code(err.statusCode).send({ error: httpReason(err.statusCode), message: err.message });
      }
      throw err;
    }
    const now = new Date();
    const events = bodies.map((body) => toMessageEvent(body, { botId: request.botId!, now }));
    try {
      const result = await acceptor.accept(events);
      const duplicates = result.events.filter((e) => e.duplicate).length;
      metrics.eventsTotal.inc({ topic: 'ingress', outcome: 'accepted' }, result.events.length - duplicates);
      if (duplicates > 0) metrics.eventsTotal.inc({ topic: 'ingress', outcome: 'duplicate' }, duplicates);
      const single = !('events' in (request.body as object));
      return reply.code(202).send({
        accepted: result.events.length - duplicates,
        duplicates,
        events: result.events.map((e) => ({ event_id: e.eventId, conversation_id: e.conversationId, duplicate: e.duplicate })),
        ...(single ? { control: result.control[events[0].conversationId] } : { control: result.control }),
      });
    } catch (err) {
      if (err instanceof KafkaUnavailable) {
        request.log.warn({ err: err.message }, 'kafka unavailable, answering 503');
        metrics.eventsTotal.inc({ topic: 'ingress', outcome: 'unavailable' }, events.length);
        return reply
          .code(503)
          .header('retry-after', String(retryAfterSeconds))
          .send({ error: 'Service Unavailable', message: 'events were not persisted; retry later with the same event_id' });
      }
      throw err;
    }
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
};

export const httpReason = (status: number) => REASONS[status] ?? 'Bad Request';

/** fastify's own messages for parse errors are clear enough; others are shortened to one line. */
function clientMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'send the body as Content-Type: application/json';
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'the request body is larger than the limit';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'the body is empty; send one event or {"events": [...]}';
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return `the body is not valid JSON: ${error.message}`;
  return error.message.split('\n')[0];
}
