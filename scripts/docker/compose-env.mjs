#!/usr/bin/env node
// Writes the secrets docker-compose.yml requires into .env (mode 0600): fresh random values for what is not set
// yet, never overwriting a line that is. Prints the console sign-in once.  Usage: node scripts/docker/compose-env.mjs [file]
import { randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const file = resolve(process.argv[2] ?? '.env');
const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
const has = (name) => new RegExp(`^\\s*${name}=`, 'm').test(text);
const secret = (bytes = 32) => randomBytes(bytes).toString('base64url');

// The console's password hash, in the format services/status verifies (packages/core/src/passwords.ts).
function passwordHash(password, N = 16384, r = 8, p = 1) {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const lines = [];
let password = null;
if (!has('SLACK_SIGNING_SECRET')) lines.push(`SLACK_SIGNING_SECRET=${secret()}`);
if (!has('INGRESS_API_KEYS')) lines.push(`INGRESS_API_KEYS=dev-bot:${secret()}`);
if (!has('CONSOLE_SESSION_SECRET')) lines.push(`CONSOLE_SESSION_SECRET=${secret()}`);
if (!has('CONSOLE_OPERATORS')) {
  password = secret(12);
  // Single quotes: compose takes the value literally (the hash contains `$`).
  lines.push(`# Console sign-in: login "operator", password "${password}" (change it: switchboard hash-password)`);
  lines.push(`CONSOLE_OPERATORS='operator:${passwordHash(password)}'`);
}
if (lines.length === 0) {
  console.log(`${file}: every secret docker compose needs is already set; nothing changed`);
} else {
  const header = text
    ? ''
    : '# Secrets for docker compose, written by `npm run compose:env`. Keep this file private.\n';
  writeFileSync(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${header}${lines.join('\n')}\n`, {
    mode: 0o600,
  });
  chmodSync(file, 0o600);
  console.log(
    `${file}: wrote ${lines
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.split('=')[0])
      .join(', ')}`,
  );
  if (password)
    console.log(`console: http://localhost:8081/console  login "operator", password "${password}" (also in ${file})`);
  if (!has('INGRESS_API_KEYS'))
    console.log(
      `ingress API key (bearer): ${lines
        .find((l) => l.startsWith('INGRESS_API_KEYS='))
        .split(':')
        .slice(1)
        .join(':')}`,
    );
}
