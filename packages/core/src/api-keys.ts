// API keys per bot (ingress takes events with them; status answers who is in control with them). Keys are configured as `name:token` or `name:sha256:<hex of the token's SHA-256>`
// and only their hashes are kept; a presented token is hashed and compared in constant time against
// every key, so neither the comparison nor the loop leaks which key nearly matched.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './config';

export interface ApiKey {
  /**
   * The bot's name, recorded on its events as bot_id and scoping its ids (`name:id`, bot-scope.ts): never
   * contains ':' (the entry's first ':' ends the name), so a scoped id splits back unambiguously.
   */
  name: string;
  hash: Buffer;
}

export class ApiKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyError';
  }
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function parseApiKeys(entries: string[]): ApiKey[] {
  return entries.map((entry, i) => {
    // The name ends at the first ':', so it can never contain one: bot-scoped ids (bot:id) rely on that.
    const at = entry.indexOf(':');
    const name = at < 0 ? entry : entry.slice(0, at);
    const secret = at < 0 ? '' : entry.slice(at + 1);
    if (!name || !secret)
      throw new ApiKeyError(
        `API key #${i + 1} must look like name:token or name:sha256:<hex> (the name cannot contain ':')`,
      );
    if (secret.startsWith('sha256:')) {
      const hex = secret.slice('sha256:'.length);
      if (!/^[0-9a-f]{64}$/i.test(hex))
        throw new ApiKeyError(`API key "${name}" has a sha256 that is not 64 hex digits`);
      return { name, hash: Buffer.from(hex, 'hex') };
    }
    if (secret.length < 16) throw new ApiKeyError(`API key "${name}" is shorter than 16 characters`);
    return { name, hash: sha256(secret) };
  });
}

/** The bot a token belongs to, or null. */
export function authenticate(keys: ApiKey[], token: string | undefined): string | null {
  return token ? keyNamed(keys, sha256(token)) : null;
}

/** The key whose hash is `presented`, compared in constant time against every key. */
function keyNamed(keys: ApiKey[], presented: Buffer): string | null {
  let found: string | null = null;
  for (const key of keys) {
    if (timingSafeEqual(presented, key.hash) && found === null) found = key.name;
  }
  return found;
}

/**
 * authenticate() with the SHA-256 of each token that matched a key kept, so a bot's every request does not
 * hash its key again. Only matching tokens are kept, so the cache holds at most one entry per key and a
 * stream of wrong keys cannot grow it; the constant-time comparison against every key is still made.
 */
export function createAuthenticator(keys: ApiKey[]): (token: string | undefined) => string | null {
  const hashes = new Map<string, Buffer>();
  return (token) => {
    if (!token) return null;
    const presented = hashes.get(token) ?? sha256(token);
    const found = keyNamed(keys, presented);
    if (found !== null && hashes.size < keys.length) hashes.set(token, presented);
    return found;
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The configured key entries: the comma-separated list plus a file of one key a line (blank lines and
 * # comments ignored). Both come from INGRESS_API_KEYS / INGRESS_API_KEYS_FILE, shared by the services.
 */
export function apiKeyEntries(list: string[], file: string | undefined): string[] {
  const fromFile = file ? keysFromFile(file) : [];
  const entries = [...list, ...fromFile];
  if (entries.length === 0) {
    throw new ConfigError(
      'INGRESS_API_KEYS',
      'no API key configured: set name:token pairs (comma-separated) or INGRESS_API_KEYS_FILE',
    );
  }
  return entries;
}

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
