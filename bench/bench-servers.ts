// HTTP servers the ingress benchmark measures, each run in its own process so the load generator does
// not share their CPU: `hello` (bare fastify answering 202, the ceiling) and `ingress` (the real routes,
// validation, acceptor, Redis and an acks=all Kafka producer on KAFKA_CLIENT's library). Prints
// "listening <port>" when ready. BENCH_CPU_PROF=<dir> profiles the ingress server (node --cpu-prof).
// `ingress-before` runs another build of ingress and the bus (BENCH_BEFORE_DIST: a directory holding
// services/ingress/src and packages/bus/src compiled from an earlier commit), for before/after in one run.
import Fastify from 'fastify';
import { createHttpServer, createLogger, createMetrics, parseApiKeys, type KafkaClientKind } from '@switchboard/core';
import { join } from 'node:path';
import * as currentBus from '@switchboard/bus';
import { connectRedis, createKeys, createRedis } from '@switchboard/store';
import * as currentAccept from '@switchboard/ingress/dist/accept';
import * as currentRoutes from '@switchboard/ingress/dist/routes';

/** The ingress and bus modules to serve: this build's, or the earlier one under BENCH_BEFORE_DIST. */
function build(before: boolean): {
  bus: typeof currentBus;
  accept: typeof currentAccept;
  routes: typeof currentRoutes;
} {
  if (!before) return { bus: currentBus, accept: currentAccept, routes: currentRoutes };
  const dir = process.env.BENCH_BEFORE_DIST;
  if (!dir) throw new Error('ingress-before needs BENCH_BEFORE_DIST');
  return {
    bus: require(join(dir, 'packages/bus/src/index.js')) as typeof currentBus,
    accept: require(join(dir, 'services/ingress/src/accept.js')) as typeof currentAccept,
    routes: require(join(dir, 'services/ingress/src/routes.js')) as typeof currentRoutes,
  };
}

export const BENCH_KEY = 'bench-key-0123456789abcdef';

async function main(): Promise<void> {
  // An orderly exit on the benchmark's SIGTERM, so that --cpu-prof writes its profile.
  process.once('SIGTERM', () => process.exit(0));
  const [mode, prefix] = process.argv.slice(2);
  if (mode === 'hello') {
    const app = Fastify();
    app.post('/v1/events', async (_request, reply) => reply.code(202).send({ accepted: 1 }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    console.log(`listening ${(app.server.address() as { port: number }).port}`);
    return;
  }
  const { bus, accept, routes } = build(mode === 'ingress-before');
  const quiet = createLogger({ service: 'bench', level: 'silent' });
  const kafka = bus.createKafka({
    brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
    clientId: 'bench-ingress',
    logger: quiet,
    // The benchmark checked the value (ingress-classifier.ts); a service reads it through its config.
    client: (process.env.KAFKA_CLIENT ?? 'kafkajs') as KafkaClientKind,
  });
  const publisher = new bus.Publisher(kafka, new bus.TopicNames(prefix));
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  await connectRedis(redis, quiet);
  await publisher.connect();
  const metrics = createMetrics('bench');
  const app = createHttpServer({ logger: quiet, metrics, readiness: () => ({}), bodyLimit: 4 * 1024 * 1024 });
  routes.registerIngressRoutes(app, {
    acceptor: new accept.EventAcceptor(publisher, redis, createKeys(`${prefix}:`), quiet),
    apiKeys: parseApiKeys([`bench:${BENCH_KEY}`]),
    metrics,
    logger: quiet,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(`listening ${(app.server.address() as { port: number }).port}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
