// Slack's side of a test: a signed block_actions click, as Slack posts it to the status service's
// /slack/interactions (v0 HMAC-SHA256 over `v0:{ts}:{body}` with the app's signing secret).
import { createHmac } from 'node:crypto';

export interface SignedClick {
  /** The status service's interactions URL. */
  url: string;
  signingSecret: string;
  actionId: string;
  /** The button's value: the (scoped) conversation id. */
  value: string;
}

/** Posts one signed button click as the sandbox operator olivia; resolves to the HTTP answer. */
export async function postSignedClick({ url, signingSecret, actionId, value }: SignedClick): Promise<Response> {
  const body = `payload=${encodeURIComponent(
    JSON.stringify({
      type: 'block_actions',
      user: { id: 'U0OLIVIA', username: 'olivia', name: 'olivia', team_id: 'T0SANDBOX' },
      actions: [
        { action_id: actionId, block_id: 'sb_conv_actions', value, type: 'button', action_ts: `${Date.now() / 1000}` },
      ],
    }),
  )}`;
  const at = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac('sha256', signingSecret).update(`v0:${at}:${body}`).digest('hex')}`;
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(at),
      'x-slack-signature': signature,
    },
    body,
  });
}

/** The headers Slack sends with a signed request: its timestamp and the v0 signature over `v0:{ts}:{body}`. */
export function signedHeaders(
  signingSecret: string,
  body: string,
  contentType: string,
  at = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': String(at),
    'x-slack-signature': `v0=${createHmac('sha256', signingSecret).update(`v0:${at}:${body}`).digest('hex')}`,
  };
}
