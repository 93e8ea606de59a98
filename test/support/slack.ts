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

/** Posts one signed button click as the sandbox operator olivia, delivered as Slack does (deliverLikeSlack). */
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
  return deliverLikeSlack(url, {
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

/**
 * Posts as Slack delivers: a 503 (the status service's "still working, deliver again", or "try again") is
 * delivered again with `x-slack-retry-num`, as Slack retries a failed delivery up to 3 times. Slack waits about
 * a minute and then five between retries; here the wait is the answer's `retry-after` (at most 5 s), so a test
 * on a loaded machine sees what Slack would, without waiting minutes. Resolves to the last answer.
 */
export async function deliverLikeSlack(
  url: string,
  request: { headers: Record<string, string>; body: string },
  retries = 3,
): Promise<Response> {
  let res = await fetch(url, { method: 'POST', ...request });
  for (let n = 1; n <= retries && res.status === 503; n++) {
    const waitS = Math.min(5, Number(res.headers.get('retry-after') ?? '1') || 1);
    await new Promise((resolve) => setTimeout(resolve, waitS * 1000));
    res = await fetch(url, {
      method: 'POST',
      headers: { ...request.headers, 'x-slack-retry-num': String(n), 'x-slack-retry-reason': 'http_error' },
      body: request.body,
    });
  }
  return res;
}
