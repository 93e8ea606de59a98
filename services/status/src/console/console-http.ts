// What every console response shares: security headers (no framing, no inline script), HTML replies that
// are never cached, and the two static assets read once at start-up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';

export const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const PUBLIC = join(__dirname, '..', '..', 'public');

export const ASSETS: Record<string, { type: string; body: string }> = {
  'console.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(PUBLIC, 'console.js'), 'utf8') },
  'console.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(PUBLIC, 'console.css'), 'utf8') },
};

export function sendHtml(reply: FastifyReply, code: number, body: string): FastifyReply {
  return reply
    .code(code)
    .headers(SECURITY_HEADERS)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);
}
