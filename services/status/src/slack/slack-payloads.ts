// Reading what Slack sends, without trusting its shape: a block_actions interaction (form-encoded
// `payload=` JSON) and a thread reply in an event_callback. Pure.

export interface SlackAction {
  actionId: string;
  /** Our buttons carry the conversation id as their value. */
  conversationId: string;
  actionTs: string;
}

/** `channelId`: where the click happened (for an ephemeral answer); empty when Slack did not say. */
export type ParsedInteraction =
  { userId: string; userName: string; channelId: string; actions: SlackAction[] } | { error: string };

const MAX_ID_LENGTH = 256;

export function parseSlackAction(rawBody: string): ParsedInteraction {
  const payloadText = new URLSearchParams(rawBody).get('payload');
  if (!payloadText) return { error: 'expected a form body with a "payload" field' };
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(payloadText) as Record<string, unknown>;
  } catch {
    return { error: '"payload" is not JSON' };
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return { error: '"payload" is not a JSON object' };
  if (payload.type !== 'block_actions') return { userId: '', userName: '', channelId: '', actions: [] };
  const user = payload.user as { id?: unknown; username?: unknown; name?: unknown } | undefined;
  if (typeof user?.id !== 'string' || !user.id) return { error: 'block_actions payload without user.id' };
  const list = Array.isArray(payload.actions) ? (payload.actions as Record<string, unknown>[]) : [];
  const actions: SlackAction[] = [];
  for (const a of list) {
    if (typeof a?.action_id !== 'string' || typeof a.value !== 'string') continue;
    if (!a.value || a.value.length > MAX_ID_LENGTH)
      return { error: `action ${a.action_id} has no usable conversation id` };
    actions.push({
      actionId: a.action_id,
      conversationId: a.value,
      actionTs: typeof a.action_ts === 'string' ? a.action_ts : '',
    });
  }
  const userName = typeof user.name === 'string' ? user.name : typeof user.username === 'string' ? user.username : '';
  const channel = payload.channel as { id?: unknown } | undefined;
  const container = payload.container as { channel_id?: unknown } | undefined;
  const channelId =
    typeof channel?.id === 'string'
      ? channel.id
      : typeof container?.channel_id === 'string'
        ? container.channel_id
        : '';
  return { userId: user.id, userName, channelId, actions };
}

export interface ThreadReply {
  channel: string;
  threadTs: string;
  ts: string;
  userId: string;
  text: string;
}

/** A person's reply in a thread (not a bot, not an edit or a join, not a top-level post), or null. */
export function parseThreadReply(envelope: unknown): ThreadReply | null {
  const event = (envelope as { event?: Record<string, unknown> } | null)?.event;
  if (typeof event !== 'object' || event === null || event.type !== 'message') return null;
  if (event.bot_id || event.app_id || (event.subtype !== undefined && event.subtype !== 'thread_broadcast'))
    return null;
  const { channel, thread_ts: threadTs, ts, user, text } = event;
  if (typeof channel !== 'string' || typeof threadTs !== 'string' || typeof ts !== 'string' || typeof user !== 'string')
    return null;
  if (threadTs === ts) return null;
  return { channel, threadTs, ts, userId: user, text: typeof text === 'string' ? text : '' };
}

/**
 * What the operator typed, as plain text for the user: Slack escapes &, < and > and writes links and
 * mentions as <url|label> and <@U123>.
 */
export function slackPlainText(text: string): string {
  return text
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/<mailto:[^|>]+\|([^>]+)>/g, '$1')
    .replace(/<[@#!][^|>]*\|([^>]+)>/g, '$1')
    .replace(/<[@#!][^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
