// Dashbot's Microsoft Bot Framework format, sent by `dashbot.microsoft.logIncoming/logOutgoing(activity)`
// and its middleware: a Bot Framework activity `{type: "message", id, conversation: {id}, from, recipient,
// text, attachments, channelId}`. The conversation is conversation.id; the user is `from` on incoming
// activities and `recipient` on outgoing ones. Pure.
import type { EventBody } from '../schema';
import {
  arr,
  attachment,
  bodyObject,
  compact,
  isoFrom,
  metadataOf,
  missing,
  nothing,
  obj,
  oneEvent,
  platformEventId,
  str,
  type Json,
  type TrackOutcome,
} from './common';

const EXPECTED = '{"type": "message", "conversation": {"id"}, "from": {"id", "name"}, "recipient": {"id"}, "text"}';

function party(account: Json | undefined): EventBody['user'] {
  const id = str(account?.id);
  if (!id) return undefined;
  const name = str(account?.name);
  return name ? { id, name } : { id };
}

/** The tenant (Teams) or nothing: other channels have no notion of the user's organisation. */
function teamOf(activity: Json): EventBody['team'] {
  const id = str(obj(obj(activity.channelData)?.tenant)?.id) ?? str(obj(activity.conversation)?.tenantId);
  return id ? { id } : undefined;
}

/** The top-scoring intent of a LUIS recognizer result the middleware attaches (`luisResults.intents`). */
function luisIntent(activity: Json): string | undefined {
  const intents = obj(obj(activity.luisResults)?.intents);
  if (!intents) return undefined;
  const best = Object.entries(intents).sort(
    ([, a], [, b]) => Number(obj(b)?.score ?? 0) - Number(obj(a)?.score ?? 0),
  )[0];
  return best?.[0];
}

function attachmentsOf(activity: Json): EventBody['attachments'] {
  return arr(activity.attachments).map((a) =>
    attachment(str(obj(a)?.contentType) ?? 'file', str(obj(a)?.contentUrl), str(obj(a)?.name)),
  );
}

/** Suggested actions and the buttons of hero/thumbnail cards. */
function buttonsOf(activity: Json): string[] {
  const suggested = arr(obj(activity.suggestedActions)?.actions).map((x) => str(obj(x)?.title) ?? str(obj(x)?.value));
  const cards = arr(activity.attachments).flatMap((a) =>
    arr(obj(obj(a)?.content)?.buttons).map((x) => str(obj(x)?.title)),
  );
  return [...suggested, ...cards].filter((x): x is string => x !== undefined);
}

export function microsoftToEvents(type: 'incoming' | 'outgoing', body: unknown): TrackOutcome {
  const activity = bodyObject(body, `a Bot Framework activity ${EXPECTED}`);
  const kind = str(activity.type);
  if (!kind) throw missing('type is required: the Bot Framework activity type', `expected ${EXPECTED}`);
  if (kind !== 'message') return nothing(`a Bot Framework "${kind}" activity is not a message`);
  const conversationId = str(obj(activity.conversation)?.id);
  if (!conversationId) throw missing('conversation.id is required: the Bot Framework conversation is the conversation');
  const user = party(obj(type === 'incoming' ? activity.from : activity.recipient));
  if (!user)
    throw missing(`${type === 'incoming' ? 'from' : 'recipient'}.id is required: the user of a ${type} activity`);
  const id = str(activity.id);
  return oneEvent(
    compact<EventBody>({
      event_id: id ? platformEventId('ms', conversationId, id, type) : undefined,
      conversation_id: conversationId,
      platform: 'microsoft',
      team: teamOf(activity),
      user,
      direction: type === 'incoming' ? 'user' : 'bot',
      text: str(activity.text) ?? str(activity.speak) ?? '',
      attachments: attachmentsOf(activity),
      buttons: buttonsOf(activity),
      intent: str(obj(activity.intent)?.name) ?? luisIntent(activity),
      timestamp: isoFrom(activity.timestamp),
      metadata: metadataOf({ ...(obj(activity.metadata) ?? {}), bot_framework_channel: str(activity.channelId) }),
    }),
  );
}
