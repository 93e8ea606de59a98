// Dashbot's Messenger format. Incoming (`dashbot.facebook.logIncoming(webhookBody)`): the Messenger webhook
// body, `{object: "page", entry: [{messaging: [...]}]}`, one event per message in any entry. Outgoing
// (`logOutgoing(sendRequest, responseBody)`): the Send API request `{json: {recipient, message}}`. The
// conversation is the user's page-scoped id (PSID). `type=all` (`dashbot.facebook.log`) records the
// page's echoes as the bot's messages. Pure.
import type { EventBody } from '../schema';
import {
  arr,
  attachment,
  bodyObject,
  compact,
  isoFromMillis,
  metadataOf,
  missing,
  nothing,
  obj,
  oneEvent,
  platformEventId,
  str,
  type Json,
  type MessageType,
  type TrackOutcome,
} from './common';

const INCOMING =
  '{"object": "page", "entry": [{"messaging": [{"sender": {"id"}, "recipient": {"id"}, "message": {"mid", "text"}}]}]}';
const OUTGOING = '{"json": {"recipient": {"id"}, "message": {"text"}}, "responseBody": {"message_id"}}';

/** Messenger attachments: media carry payload.url; templates carry their buttons and titles. */
function attachmentsOf(message: Json): EventBody['attachments'] {
  const list = [...arr(message.attachments), ...(obj(message.attachment) ? [message.attachment] : [])];
  return list.map((a) => {
    const type = str(obj(a)?.type) ?? 'file';
    const payload = obj(obj(a)?.payload);
    const templateType = str(payload?.template_type);
    return attachment(templateType ? `template:${templateType}` : type, str(payload?.url), str(obj(a)?.title));
  });
}

function buttonsOf(message: Json): string[] {
  const quick = arr(message.quick_replies).map((q) => str(obj(q)?.title));
  const payload = obj(obj(message.attachment)?.payload);
  const template = [...arr(payload?.buttons), ...arr(payload?.elements).flatMap((e) => arr(obj(e)?.buttons))].map((x) =>
    str(obj(x)?.title),
  );
  return [...quick, ...template].filter((x): x is string => x !== undefined);
}

/** Text of a message, or of a button template, or the titles of a generic template's cards. */
function textOf(message: Json): string {
  const text = str(message.text);
  if (text) return text;
  const payload = obj(obj(message.attachment)?.payload);
  if (str(payload?.text)) return str(payload?.text)!;
  return arr(payload?.elements)
    .map((e) => str(obj(e)?.title))
    .filter(Boolean)
    .join('\n');
}

/** One messaging item of a webhook entry → an event, or the reason it is not one. */
function fromMessaging(item: Json, at: string, type: MessageType): EventBody | string {
  const message = obj(item.message);
  const postback = obj(item.postback);
  const sender = str(obj(item.sender)?.id);
  const recipient = str(obj(item.recipient)?.id);
  if (!message && !postback) {
    const kind =
      ['delivery', 'read', 'optin', 'referral', 'reaction', 'account_linking', 'policy_enforcement'].find(
        (k) => k in item,
      ) ?? 'unknown';
    return `${at} is a Messenger "${kind}" notification, not a message`;
  }
  const echo = message?.is_echo === true;
  if (echo && type !== 'all')
    return `${at} is an echo of the page's own message (send type=all to record echoes instead of logging outgoing)`;
  // The user is the sender of what they wrote and the recipient of the page's echoes.
  const psid = echo ? recipient : sender;
  if (!psid)
    throw missing(
      `${at}.${echo ? 'recipient' : 'sender'}.id is required: the user's page-scoped id is the conversation`,
    );
  const quickReply = str(obj(message?.quick_reply)?.payload);
  return compact<EventBody>({
    event_id: platformEventId('fb', str(message?.mid) ?? str(postback?.mid)),
    conversation_id: psid,
    platform: 'facebook',
    user: { id: psid },
    direction: echo ? 'bot' : 'user',
    text: message ? textOf(message) : (str(postback?.title) ?? ''),
    attachments: message ? attachmentsOf(message) : undefined,
    buttons: message ? buttonsOf(message) : undefined,
    timestamp: isoFromMillis(item.timestamp),
    metadata: metadataOf({
      facebook_page_id: echo ? sender : recipient,
      quick_reply_payload: quickReply,
      postback_payload: str(postback?.payload),
    }),
  });
}

function incoming(b: Json, type: MessageType): TrackOutcome {
  if (!Array.isArray(b.entry)) throw missing('entry is required: the Messenger webhook body', `expected ${INCOMING}`);
  const out: TrackOutcome = { events: [], ignored: [] };
  b.entry.forEach((entry, i) => {
    const messaging = obj(entry)?.messaging;
    if (!Array.isArray(messaging)) {
      out.ignored.push(
        `entry[${i}] has no messaging items (${obj(entry)?.changes ? 'a page feed change' : 'nothing to record'})`,
      );
      return;
    }
    messaging.forEach((item, j) => {
      const at = `entry[${i}].messaging[${j}]`;
      const m = obj(item);
      if (!m) throw missing(`${at} must be an object`);
      const mapped = fromMessaging(m, at, type);
      if (typeof mapped === 'string') out.ignored.push(mapped);
      else out.events.push(mapped);
    });
  });
  return out;
}

function outgoing(b: Json): TrackOutcome {
  const request = obj(b.json);
  if (!request)
    throw missing('json is required: the Send API request body', `Dashbot's Messenger outgoing format is ${OUTGOING}`);
  const psid = str(obj(request.recipient)?.id);
  if (!psid) throw missing("json.recipient.id is required: the user's page-scoped id is the conversation");
  const message = obj(request.message);
  if (!message) {
    const action = str(request.sender_action);
    if (action) return nothing(`a Send API sender_action "${action}" is not a message`);
    throw missing('json.message is required: the message the page sent');
  }
  const response = obj(b.responseBody);
  return oneEvent(
    compact<EventBody>({
      event_id: platformEventId('fb', str(response?.message_id)),
      conversation_id: psid,
      platform: 'facebook',
      user: { id: psid },
      direction: 'bot',
      text: textOf(message),
      attachments: attachmentsOf(message),
      buttons: buttonsOf(message),
      intent: str(obj(b.intent)?.name),
      metadata: metadataOf({
        ...(obj(b.metadata) ?? {}),
        messaging_type: str(request.messaging_type),
        dashbot_template_id: str(request.dashbotTemplateId),
      }),
    }),
  );
}

export function facebookToEvents(type: MessageType, body: unknown): TrackOutcome {
  const b = bodyObject(body, type === 'outgoing' ? OUTGOING : INCOMING);
  return type === 'outgoing' ? outgoing(b) : incoming(b, type);
}
