// One signed JSON POST to a webhook we call (the bot's, an SLA escalation level's): the body signed as
// signatures.ts says, the event id in a header, a time limit, and never a redirect followed (a signed body
// goes only where it was addressed). The answer's body is read and dropped; the caller judges the status.
import { signOutbound } from './signatures';

export interface SignedPost {
  url: string;
  secret: string;
  body: string;
  eventId: string;
  timeoutMs: number;
  nowMs: number;
}

export async function postSigned(post: typeof fetch, request: SignedPost): Promise<Response> {
  const res = await post(request.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signOutbound(request.secret, request.body, request.nowMs / 1000),
      'x-switchboard-event-id': request.eventId,
    },
    body: request.body,
    signal: AbortSignal.timeout(request.timeoutMs),
    redirect: 'manual',
  });
  await res.arrayBuffer().catch(() => undefined);
  return res;
}
