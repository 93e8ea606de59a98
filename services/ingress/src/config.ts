// Ingress settings, read once from the environment by main.ts.
import { apiKeyEntries, commonSpec, env, readConfig, type Env } from '@switchboard/core';

export const ingressSpec = {
  ...commonSpec,
  port: env.int('INGRESS_PORT', 8080, { min: 0, max: 65535 }),
  apiKeys: env.list('INGRESS_API_KEYS', []),
  apiKeysFile: env.optionalString('INGRESS_API_KEYS_FILE'),
  ratePerSecond: env.number('INGRESS_RATE_PER_SECOND', 200),
  rateBurst: env.int('INGRESS_RATE_BURST', 400, { min: 1 }),
  publishTimeoutMs: env.int('INGRESS_PUBLISH_TIMEOUT_MS', 10000, { min: 100 }),
  bodyLimitBytes: env.int('INGRESS_BODY_LIMIT_BYTES', 1024 * 1024, { min: 1024 }),
  /** Events published and not yet acknowledged by Kafka, at most; past it requests get 503 at once. */
  maxPendingEvents: env.int('INGRESS_MAX_PENDING_EVENTS', 50000, { min: 1 }),
  /** Bytes of those events, at most (with the body limit, what a Kafka outage can cost in memory). */
  maxPendingBytes: env.int('INGRESS_MAX_PENDING_BYTES', 64 * 1024 * 1024, { min: 1024 }),
  /** How often ingress checks that every partition of conv.raw has a leader (for /readyz). */
  leaderCheckMs: env.int('INGRESS_LEADER_CHECK_MS', 5000, { min: 100 }),
};

export function readIngressConfig(source: Env) {
  const config = readConfig(ingressSpec, source);
  return { ...config, apiKeys: apiKeyEntries(config.apiKeys, config.apiKeysFile) };
}

export type IngressConfig = ReturnType<typeof readIngressConfig>;
