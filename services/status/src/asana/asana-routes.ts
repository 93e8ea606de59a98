// POST /asana/webhook: the X-Hook-Secret handshake (only while our own registration is under way, so
// nobody else can plant a secret), then event batches signed with X-Hook-Signature, each task change
// passed on to task-change.ts. A failure answers non-2xx so Asana delivers the batch again.
import type { FastifyInstance } from 'fastify';
import type { Logger, Metrics } from '@switchboard/core';
import { KafkaTimeout } from '../conversation/actions';
import { verifyAsana } from '../signatures';
import { completionEvents } from './asana-events';
import type { AsanaWebhookSecrets } from './asana-webhook-secrets';
import { reactToTaskChange, type TaskChangeDeps } from './task-change';

export interface AsanaRouteOptions {
  /** A secret given by hand (ASANA_WEBHOOK_SECRET), else the one the handshake stored. */
  configuredSecret?: string;
  secrets: AsanaWebhookSecrets;
  taskChange: TaskChangeDeps;
  logger: Logger;
  metrics: Metrics;
}

export async function registerAsanaRoutes(app: FastifyInstance, options: AsanaRouteOptions): Promise<void> {
  const { secrets, logger, metrics } = options;

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    scope.post('/asana/webhook', async (request, reply) => {
      const handshakeSecret = request.headers['x-hook-secret'];
      if (typeof handshakeSecret === 'string') {
        if (!(await secrets.acceptHandshake(handshakeSecret))) {
          logger.warn('Asana handshake refused: no webhook registration is under way');
          return reply.code(403).send({ error: 'no webhook registration is under way' });
        }
        logger.info('Asana webhook handshake done');
        return reply.code(200).header('x-hook-secret', handshakeSecret).send();
      }
      const secret = options.configuredSecret ?? (await secrets.current());
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
      for (const [taskGid, event] of completionEvents(body.events)) await reactToTaskChange(options.taskChange, taskGid, event);
      return reply.code(200).send();
    });

    scope.setErrorHandler((err: Error, _request, reply) => {
      logger.error({ err: err.message }, 'Asana webhook delivery failed; Asana will deliver it again');
      // A non-2xx makes Asana deliver the batch again later.
      return reply.code(err instanceof KafkaTimeout ? 503 : 500).send({ error: 'could not handle the events; deliver again' });
    });
  });
}
