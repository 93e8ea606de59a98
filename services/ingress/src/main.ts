// The ingress service: the HTTP front door bots report their conversations to.
import { Runtime } from '@switchboard/runtime';
import { RateBudget } from '@switchboard/store';
import { EventAcceptor } from './accept';
import { parseApiKeys } from '@switchboard/core';
import { readIngressConfig } from './config';
import { registerIngressRoutes } from './routes';
import { PartitionLeaders } from './partition-leaders';
import { Topics } from '@switchboard/bus';

async function main(): Promise<void> {
  const config = readIngressConfig(process.env);
  const apiKeys = parseApiKeys(config.apiKeys);
  // Not ready while a partition of conv.raw has no leader: its publishes could not be acknowledged.
  const readiness = (): Record<string, boolean> => ({ kafkaLeaders: leaders.isReady() });
  const runtime = new Runtime({
    service: 'ingress',
    config,
    httpPort: config.port,
    bodyLimit: config.bodyLimitBytes,
    readiness,
  });
  const leaders = new PartitionLeaders(runtime.kafka, runtime.names.name(Topics.raw), config.leaderCheckMs);
  runtime.onClose('partition-leaders', () => leaders.stop());
  registerIngressRoutes(runtime.http, {
    acceptor: new EventAcceptor(
      runtime.publisher,
      runtime.redis,
      runtime.keys,
      runtime.logger,
      config.publishTimeoutMs,
      {
        maxEvents: config.maxPendingEvents,
        maxBytes: config.maxPendingBytes,
      },
    ),
    rateBudget:
      config.ratePerSecond > 0
        ? new RateBudget(runtime.redis, runtime.keys, 'ingress', {
            ratePerSecond: config.ratePerSecond,
            burst: config.rateBurst,
          })
        : undefined,
    rateBurst: config.rateBurst,
    apiKeys,
    metrics: runtime.metrics,
    logger: runtime.logger,
  });
  await runtime.start();
  await leaders.start();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
