// The HTTP server every service has: /healthz (the process lives), /readyz (its dependencies answer),
// /metrics (Prometheus). Services add their own routes to the returned fastify instance.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';

/** Reports whether each dependency is usable now; all true means ready. */
export type ReadinessCheck = () => Record<string, boolean> | Promise<Record<string, boolean>>;

export interface HttpServerOptions {
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck;
  /** Extra fastify options. */
  bodyLimit?: number;
  /** fastify's trustProxy: off, a hop count, or the proxies' addresses (never `true`: every hop would be believed). */
  trustProxy?: false | number | string[];
}

export function createHttpServer({
  logger,
  metrics,
  readiness,
  bodyLimit,
  trustProxy,
}: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit,
    // A hop count as the function fastify makes of one (its types name only the other forms).
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // fastify types its logger against its own pino major; the instance is the same shape.
    loggerInstance: logger as unknown as FastifyBaseLogger,
    // Request lines would drown the event logs; errors are logged where they are handled.
    logController: new LogController({ disableRequestLogging: true }),
    // So a request logs through the service's logger, not a child made for it: without request lines, a
    // child's reqId matches no other line, and making one (its bindings through the redaction) was ~3% of
    // ingress's CPU per single-event request (docs/performance.md, "Ingress at realistic concurrency").
    childLoggerFactory: (parent) => parent,
  });
  // Every answer counted by its route's pattern (never the raw URL: ids would explode the series).
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics' || route === '/healthz' || route === '/readyz') return;
    metrics.httpRequestsTotal.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpRequestSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = await readiness();
    for (const [dependency, up] of Object.entries(checks)) metrics.dependencyUp.set({ dependency }, up ? 1 : 0);
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_request, reply) => {
    await readiness();
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}
