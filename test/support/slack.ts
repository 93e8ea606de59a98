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

/** Posts one signed button click as the sandbox operator olivia, until the service is done with it (postUntilDone). */
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
  return postUntilDone(
    url,
    {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(at),
        'x-slack-signature': signature,
      },
      body,
    },
    'click',
  );
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
 * Posts a signed request to the status service until it is done with it. A 503 is the service's "still working
 * (or failed): deliver again for its outcome", and the same request is sent again, up to 3 times, after the
 * answer's `retry-after` (at most 5 s), so a test on a loaded machine does not fail on the answer window.
 * - `event`: what Slack does (the sandbox's SlackSender.event): a redelivery with `x-slack-retry-num` and
 *   `x-slack-retry-reason` (Slack waits a minute, then five; the test does not).
 * - `click`: Slack does not redeliver a click (the person sees an error); sending the same one again asks the
 *   service for the outcome of the work under way, as a second look would.
 * Resolves to the last answer.
 */
export async function postUntilDone(
  url: string,
  request: { headers: Record<string, string>; body: string },
  kind: 'event' | 'click',
  retries = 3,
): Promise<Response> {
  let res = await fetch(url, { method: 'POST', ...request });
  for (let n = 1; n <= retries && res.status === 503; n++) {
    const waitS = Math.min(5, Number(res.headers.get('retry-after') ?? '1') || 1);
    await new Promise((resolve) => setTimeout(resolve, waitS * 1000));
    const redelivery: Record<string, string> =
      kind === 'event' ? { 'x-slack-retry-num': String(n), 'x-slack-retry-reason': 'http_error' } : {};
    res = await fetch(url, { method: 'POST', headers: { ...request.headers, ...redelivery }, body: request.body });
  }
  return res;
}
