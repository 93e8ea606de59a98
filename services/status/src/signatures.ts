// Signatures on the webhooks the status service takes and sends. Pure: the raw body and headers in, a
// verdict out; every comparison is constant-time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Slack's request age limit: a signed request older (or newer) than this is a replay. */
export const SLACK_TOLERANCE_SECONDS = 5 * 60;

const hmacHex = (secret: string, text: string | Buffer) => createHmac('sha256', secret).update(text).digest('hex');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Slack's v0 signature: X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing secret, "v0:{ts}:{raw body}")),
 * with X-Slack-Request-Timestamp within five minutes of now.
 */
export function verifySlack(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  rawBody: string,
  nowSeconds: number,
): Verdict {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  if (!/^\d{1,12}$/.test(timestamp))
    return { ok: false, reason: 'X-Slack-Request-Timestamp is not a number of seconds' };
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_TOLERANCE_SECONDS)
    return { ok: false, reason: 'request timestamp is more than 5 minutes away from now' };
  if (!sameText(signature, `v0=${hmacHex(secret, `v0:${timestamp}:${rawBody}`)}`))
    return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}

/** What Slack would send: for tests, the sandbox and tools. */
export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${hmacHex(secret, `v0:${timestamp}:${rawBody}`)}`;
}

/** Asana's X-Hook-Signature: hex(HMAC-SHA256(the handshake's X-Hook-Secret, raw body)). */
export function verifyAsana(secret: string, signature: string | undefined, rawBody: string): Verdict {
  if (!signature) return { ok: false, reason: 'missing X-Hook-Signature' };
  if (!sameText(signature, hmacHex(secret, rawBody))) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}

export const OUTBOUND_SIGNATURE_HEADER = 'x-switchboard-signature';
export const OUTBOUND_TIMESTAMP_HEADER = 'x-switchboard-timestamp';

/**
 * Our signature on a delivery to the bot, in Slack's scheme so bot teams know it:
 * X-Switchboard-Signature = "v1=" + hex(HMAC-SHA256(BOT_WEBHOOK_SECRET, "v1:{timestamp}:{body}")).
 */
export function signOutbound(secret: string, body: string, nowSeconds: number): Record<string, string> {
  const timestamp = String(Math.floor(nowSeconds));
  return {
    [OUTBOUND_TIMESTAMP_HEADER]: timestamp,
    [OUTBOUND_SIGNATURE_HEADER]: `v1=${hmacHex(secret, `v1:${timestamp}:${body}`)}`,
  };
}
