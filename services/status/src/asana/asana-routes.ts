// POST /asana/webhook/:segment, the target our registration gave Asana: the X-Hook-Secret handshake (only
// at the random segment of the registration under way, so nobody can plant a secret), then event batches
// signed with X-Hook-Signature: each completion passed on to task-change.ts, each assignee change and comment
// to story-change.ts. POST /asana/webhook takes signed events only (a webhook registered by hand, with
// ASANA_WEBHOOK_SECRET). A failure answers non-2xx so Asana delivers the batch again.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger, Metrics } from '@switchboard/core';
import { StillWorking } from '../inbound-once';
import { verifyAsana } from '../signatures';
import { completionEvents } from './asana-events';
import { SEGMENT, type AsanaWebhookSecrets } from './asana-webhook-secrets';
import { assigneeEvents, commentEvents } from './stories';
import { reactToAssignee, reactToComment } from './story-change';
import { reactToTaskChange, type TaskChangeDeps } from './task-change';

export interface AsanaRouteOptions {
  /** A secret given by hand (ASANA_WEBHOOK_SECRET), else the one the handshake stored. */
  configuredSecret?: string;
  secrets: AsanaWebhookSecrets;
  taskChange: TaskChangeDeps;
  logger: Logger;
  metrics: Metrics;
}

/** What becomes of an Asana delivery's events (switchboard_events_total{topic="asana"}), served as 0 from start-up. */
export const ASANA_OUTCOMES = ['ok', 'own', 'ignored', 'duplicate', 'rejected'] as const;

export async function registerAsanaRoutes(app: FastifyInstance, options: AsanaRouteOptions): Promise<void> {
  const { secrets, logger, metrics } = options;
  for (const outcome of ASANA_OUTCOMES) metrics.eventsTotal.inc({ topic: 'asana', outcome }, 0);

  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    const events = async (request: FastifyRequest, reply: FastifyReply) => {
      const secret = options.configuredSecret ?? (await secrets.current());
      if (!secret)
        return reply.code(401).send({ error: 'no Asana webhook secret is known yet: register the webhook first' });
      const raw = String(request.body ?? '');
      const verdict = verifyAsana(
        secret,
        typeof request.headers['x-hook-signature'] === 'string' ? request.headers['x-hook-signature'] : undefined,
        raw,
      );
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
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return reply.code(400).send({ error: 'body is not a JSON object' });
      for (const [taskGid, event] of completionEvents(body.events))
        await reactToTaskChange(options.taskChange, taskGid, event);
      for (const change of assigneeEvents(body.events)) await reactToAssignee(options.taskChange, change);
      for (const added of commentEvents(body.events)) await reactToComment(options.taskChange, added);
      return reply.code(200).send();
    };

    scope.post('/asana/webhook', async (request, reply) => {
      if (typeof request.headers['x-hook-secret'] === 'string') {
        metrics.eventsTotal.inc({ topic: 'asana', outcome: 'rejected' });
        logger.warn(
          'Asana handshake at the plain path refused: handshakes are taken only at the target of a registration under way',
        );
        return reply.code(403).send({ error: 'no webhook registration is under way at this target' });
      }
      return events(request, reply);
    });

    scope.post<{ Params: { segment: string } }>('/asana/webhook/:segment', async (request, reply) => {
      const { segment } = request.params;
      const handshakeSecret = request.headers['x-hook-secret'];
      if (typeof handshakeSecret === 'string') {
        if (
          !handshakeSecret ||
          handshakeSecret.length > 512 ||
          !(await secrets.acceptHandshake(segment, handshakeSecret))
        ) {
          metrics.eventsTotal.inc({ topic: 'asana', outcome: 'rejected' });
          logger.warn('Asana handshake refused: not the target of a registration under way');
          return reply.code(403).send({ error: 'no webhook registration is under way at this target' });
        }
        logger.info('Asana webhook handshake done');
        return reply.code(200).header('x-hook-secret', handshakeSecret).send();
      }
      if (!SEGMENT.test(segment) || (await secrets.targetSegment()) !== segment)
        return reply.code(404).send({ error: 'no Asana webhook is registered at this target' });
      return events(request, reply);
    });

    scope.setErrorHandler((err: Error, _request, reply) => {
      logger.error({ err: err.message }, 'Asana webhook delivery failed; Asana will deliver it again');
      // A non-2xx makes Asana deliver the batch again later.
      return reply
        .code(err instanceof StillWorking ? 503 : 500)
        .send({ error: 'could not handle the events; deliver again' });
    });
  });
}
