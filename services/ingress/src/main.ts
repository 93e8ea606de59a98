// The ingress service: the HTTP front door bots report their conversations to.
import { Runtime } from '@switchboard/runtime';
import { RateBudget } from '@switchboard/store';
import { EventAcceptor } from './accept';
import { parseApiKeys } from '@switchboard/core';
import { readIngressConfig } from './config';
import { registerIngressRoutes } from './routes';

async function main(): Promise<void> {
  const config = readIngressConfig(process.env);
  const apiKeys = parseApiKeys(config.apiKeys);
  const runtime = new Runtime({ service: 'ingress', config, httpPort: config.port, bodyLimit: config.bodyLimitBytes });
  registerIngressRoutes(runtime.http, {
    acceptor: new EventAcceptor(runtime.publisher, runtime.redis, runtime.keys, runtime.logger, config.publishTimeoutMs),
    rateBudget: config.ratePerSecond > 0 ? new RateBudget(runtime.redis, runtime.keys, 'ingress', { ratePerSecond: config.ratePerSecond, burst: config.rateBurst }) : undefined,
    apiKeys,
    metrics: runtime.metrics,
    logger: runtime.logger,
  });
  await runtime.start();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
