// Ingress settings, read once from the environment by main.ts.
import { readFileSync } from 'node:fs';
import { ConfigError, commonSpec, env, readConfig, type Env } from '@switchboard/core';

export const ingressSpec = {
  ...commonSpec,
  port: env.int('INGRESS_PORT', 8080, { min: 0, max: 65535 }),
  apiKeys: env.list('INGRESS_API_KEYS', []),
  apiKeysFile: env.optionalString('INGRESS_API_KEYS_FILE'),
  ratePerSecond: env.number('INGRESS_RATE_PER_SECOND', 200),
  rateBurst: env.int('INGRESS_RATE_BURST', 400, { min: 1 }),
  publishTimeoutMs: env.int('INGRESS_PUBLISH_TIMEOUT_MS', 10000, { min: 100 }),
  bodyLimitBytes: env.int('INGRESS_BODY_LIMIT_BYTES', 1024 * 1024, { min: 1024 }),
};

export function readIngressConfig(source: Env) {
  const config = readConfig(ingressSpec, source);
  const fromFile = config.apiKeysFile ? keysFromFile(config.apiKeysFile) : [];
  const apiKeys = [...config.apiKeys, ...fromFile];
  if (apiKeys.length === 0) {
    throw new ConfigError('INGRESS_API_KEYS', 'no API key configured: set name:token pairs (comma-separated) or INGRESS_API_KEYS_FILE');
  }
  return { ...config, apiKeys };
}

/** One key a line (name:token or name:sha256:<hex>); blank lines and # comments ignored. */
function keysFromFile(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
  } catch (err) {
    throw new ConfigError('INGRESS_API_KEYS_FILE', `cannot read ${path}: ${(err as Error).message}`);
  }
}

export type IngressConfig = ReturnType<typeof readIngressConfig>;
