// Webhook signatures: Slack's v0 scheme with its five-minute window, Asana's X-Hook-Signature, and ours.
import { createHmac } from 'node:crypto';
import { signOutbound, slackSignature, verifyAsana, verifySlack } from '../src/signatures';
import { verifySignature } from '../../../examples/bot/src/bot';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = 1_531_420_618;
const BODY = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&api_app_id=A0KRD7HC3';

describe('verifySlack', () => {
  const signature = slackSignature(SECRET, NOW, BODY);

  it('matches the HMAC Slack documents', () => {
    expect(signature).toBe(`v0=${createHmac('sha256', SECRET).update(`v0:${NOW}:${BODY}`).digest('hex')}`);
    expect(verifySlack(SECRET, { timestamp: String(NOW), signature }, BODY, NOW + 10)).toEqual({ ok: true });
  });

  it('refuses a missing, tampered, stale or future request with the reason', () => {
    expect(verifySlack(SECRET, { timestamp: String(NOW) }, BODY, NOW)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('missing'),
    });
    expect(verifySlack(SECRET, { timestamp: String(NOW), signature }, `${BODY}&x=1`, NOW)).toMatchObject({
      ok: false,
      reason: 'signature does not match',
    });
    expect(verifySlack('other-secret', { timestamp: String(NOW), signature }, BODY, NOW)).toMatchObject({ ok: false });
    expect(verifySlack(SECRET, { timestamp: String(NOW), signature }, BODY, NOW + 301)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('5 minutes'),
    });
    expect(verifySlack(SECRET, { timestamp: String(NOW), signature }, BODY, NOW - 301)).toMatchObject({ ok: false });
    expect(verifySlack(SECRET, { timestamp: 'yesterday', signature }, BODY, NOW)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('number'),
    });
    expect(verifySlack(SECRET, { timestamp: String(NOW), signature: 'v0=short' }, BODY, NOW)).toMatchObject({
      ok: false,
    });
  });
});

describe('verifyAsana', () => {
  it('checks hex(HMAC-SHA256(secret, body))', () => {
    const body = '{"events":[]}';
    const good = createHmac('sha256', 'hook-secret').update(body).digest('hex');
    expect(verifyAsana('hook-secret', good, body)).toEqual({ ok: true });
    expect(verifyAsana('hook-secret', good, '{"events":[1]}')).toMatchObject({ ok: false });
    expect(verifyAsana('hook-secret', undefined, body)).toMatchObject({
      ok: false,
      reason: 'missing X-Hook-Signature',
    });
  });
});

describe('signOutbound', () => {
  it('signs what the example bot verifies, and nothing else', () => {
    const body = JSON.stringify({ text: 'hello' });
    const headers = signOutbound('bot-secret-0123456789', body, NOW);
    expect(
      verifySignature(
        'bot-secret-0123456789',
        headers['x-switchboard-timestamp'],
        headers['x-switchboard-signature'],
        body,
        NOW,
      ),
    ).toBeNull();
    expect(
      verifySignature(
        'bot-secret-0123456789',
        headers['x-switchboard-timestamp'],
        headers['x-switchboard-signature'],
        `${body} `,
        NOW,
      ),
    ).toBe('signature does not match');
    expect(
      verifySignature(
        'bot-secret-0123456789',
        headers['x-switchboard-timestamp'],
        headers['x-switchboard-signature'],
        body,
        NOW + 600,
      ),
    ).toContain('5 minutes');
  });
});
