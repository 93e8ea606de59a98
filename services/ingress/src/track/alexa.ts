// Dashbot's Alexa format, sent by `dashbot.alexa.logIncoming(event, context)` and
// `logOutgoing(event, response, context)` (and the Python SDK): `{dashbot_timestamp, event: <the skill's
// request envelope>, context?, response?}`. The conversation is the Alexa session; the user's words are the
// intent and its slot values (Alexa does not hand a skill the transcript). Pure.
import type { EventBody } from '../schema';
import {
  bodyObject,
  compact,
  isoFrom,
  isoFromMillis,
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

const EXPECTED =
  '{"dashbot_timestamp", "event": {"session": {"sessionId", "user": {"userId"}}, "request": {"type", "requestId", "intent"}}, "response"?: <the skill response>}';

/** "FindZipcode (zipcode: 94114)": what Alexa understood, the closest thing to the user's words. */
function intentText(request: Json): { text: string; intent?: string } {
  const type = str(request.type) ?? '';
  const intent = obj(request.intent);
  const name = str(intent?.name);
  if (!name) return { text: type };
  const slots = Object.values(obj(intent?.slots) ?? {})
    .map((s) => (str(obj(s)?.value) ? `${str(obj(s)?.name)}: ${str(obj(s)?.value)}` : undefined))
    .filter(Boolean);
  return { text: slots.length > 0 ? `${name} (${slots.join(', ')})` : name, intent: name };
}

/** The speech of a skill response (or the reprompt), SSML tags removed. */
function speech(response: Json): string {
  // The Node SDK sends the whole response envelope; the Python SDK may wrap it once more.
  const inner = obj(response.response) ?? response;
  const outputSpeech = obj(inner.outputSpeech) ?? obj(obj(inner.reprompt)?.outputSpeech);
  const text = str(outputSpeech?.text) ?? str(outputSpeech?.ssml) ?? '';
  return text.replace(/<[^>]*>/g, '').trim();
}

export function alexaToEvents(type: 'incoming' | 'outgoing', body: unknown): TrackOutcome {
  const b = bodyObject(body, EXPECTED);
  const event = obj(b.event);
  if (!event) throw missing('event is required: the Alexa request envelope', `expected ${EXPECTED}`);
  const request = obj(event.request);
  if (!request) throw missing('event.request is required: the Alexa request');
  const requestType = str(request.type) ?? '';
  const session = obj(event.session);
  const system = obj(obj(event.context)?.System);
  const sessionId = str(session?.sessionId);
  if (!sessionId) {
    if (requestType && !['LaunchRequest', 'IntentRequest', 'SessionEndedRequest'].includes(requestType)) {
      return nothing(`an Alexa "${requestType}" request has no session and is not a conversation turn`);
    }
    throw missing('event.session.sessionId is required: the Alexa session is the conversation');
  }
  if (type === 'incoming' && requestType === 'SessionEndedRequest')
    return nothing('an Alexa SessionEndedRequest ends the session; it is not a message');
  const userId = str(obj(session?.user)?.userId) ?? str(obj(system?.user)?.userId);
  const response = obj(b.response);
  if (type === 'outgoing' && !response) throw missing('response is required on outgoing: the skill response');
  const said = intentText(request);
  const mapped: EventBody = {
    event_id: platformEventId('alexa', str(request.requestId), type),
    conversation_id: sessionId,
    platform: 'alexa',
    user: userId ? { id: userId } : undefined,
    direction: type === 'incoming' ? 'user' : 'bot',
    text: type === 'incoming' ? said.text : speech(response!),
    intent: type === 'incoming' ? said.intent : str(obj(response!.intent)?.name),
    timestamp:
      type === 'incoming'
        ? (isoFrom(request.timestamp) ?? isoFromMillis(b.dashbot_timestamp))
        : isoFromMillis(b.dashbot_timestamp),
    metadata: metadataOf({
      ...(obj(response?.metadata) ?? {}),
      alexa_request_type: requestType,
      alexa_application_id:
        str(obj(system?.application)?.applicationId) ?? str(obj(session?.application)?.applicationId),
    }),
  };
  return oneEvent(compact(mapped));
}
