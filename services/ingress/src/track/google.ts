// Dashbot's Google Assistant format, sent by `dashbot.google.logIncoming(requestBody)` and
// `logOutgoing(requestBody, response)`: `{dashbot_timestamp, request_body, message?}` where request_body is
// the webhook request of an Actions SDK (v2) conversation, a Dialogflow v2 or v1 fulfillment, or an
// Actions Builder (@assistant/conversation) handler. The conversation is the Assistant conversation id,
// else the Dialogflow session. Pure.
import type { EventBody } from '../schema';
import {
  arr,
  bodyObject,
  compact,
  isoFromMillis,
  metadataOf,
  missing,
  obj,
  oneEvent,
  platformEventId,
  str,
  type Json,
  type TrackOutcome,
} from './common';

const EXPECTED =
  '{"dashbot_timestamp", "request_body": <the Actions SDK or Dialogflow webhook request>, "message"?: <the response>}';

interface Request {
  conversationId?: string;
  userId?: string;
  userName?: string;
  text: string;
  intent?: string;
  /** Stable per request, so the incoming and outgoing halves get idempotent ids. */
  requestId?: string;
}

/** The Assistant part of a request: Actions SDK v2 body, or the payload Dialogflow forwards. */
function assistant(
  request: Json | undefined,
): Pick<Request, 'conversationId' | 'userId' | 'userName' | 'text' | 'intent'> {
  const user = obj(request?.user);
  const input = obj(arr(request?.inputs)[0]);
  return {
    conversationId: str(obj(request?.conversation)?.conversationId),
    userId: str(user?.userId),
    userName: str(obj(user?.profile)?.displayName),
    text: str(obj(arr(input?.rawInputs)[0])?.query) ?? '',
    intent: str(input?.intent),
  };
}

function readRequest(body: Json): Request {
  // Actions Builder: request_body is {request: <handler request>, fulfillmentLib}.
  const builder = obj(obj(body.request)?.session) ? obj(body.request) : undefined;
  if (builder) {
    return {
      conversationId: str(obj(builder.session)?.id),
      userId: undefined,
      text: str(obj(builder.intent)?.query) ?? '',
      intent: str(obj(builder.intent)?.name),
    };
  }
  // Dialogflow v2: {responseId, session, queryResult, originalDetectIntentRequest: {payload}}.
  if (obj(body.queryResult)) {
    const q = obj(body.queryResult)!;
    const a = assistant(obj(obj(body.originalDetectIntentRequest)?.payload));
    return {
      ...a,
      conversationId: a.conversationId ?? str(body.session),
      text: str(q.queryText) ?? a.text,
      intent: str(obj(q.intent)?.displayName) ?? a.intent,
      requestId: str(body.responseId),
    };
  }
  // Dialogflow v1 (api.ai): {id, sessionId, result, originalRequest: {data}}.
  if (obj(body.result)) {
    const r = obj(body.result)!;
    const a = assistant(obj(obj(body.originalRequest)?.data));
    return {
      ...a,
      conversationId: a.conversationId ?? str(body.sessionId),
      text: str(r.resolvedQuery) ?? a.text,
      intent: str(obj(r.metadata)?.intentName) ?? a.intent,
      requestId: str(body.id),
    };
  }
  // Actions SDK v2 conversation webhook.
  return assistant(body);
}

/** What the Assistant says: simple responses' displayText or textToSpeech, Dialogflow's fulfillmentText. */
function responseText(message: Json): string {
  const texts: string[] = [];
  const collect = (rich: Json | undefined) => {
    for (const item of arr(rich?.items)) {
      const simple = obj(obj(item)?.simpleResponse);
      const t = str(simple?.displayText) ?? str(simple?.textToSpeech);
      if (t) texts.push(t);
    }
  };
  const builderPrompt =
    obj(obj(obj(obj(message.response)?.body)?.prompt)?.firstSimple) ?? obj(obj(message.prompt)?.firstSimple);
  if (builderPrompt) texts.push(str(builderPrompt.text) ?? str(builderPrompt.speech) ?? '');
  collect(obj(message.richResponse));
  for (const input of arr(message.expectedInputs)) collect(obj(obj(obj(input)?.inputPrompt)?.richInitialPrompt));
  collect(obj(obj(message.finalResponse)?.richResponse));
  collect(obj(obj(obj(message.payload)?.google)?.richResponse));
  collect(obj(obj(obj(message.data)?.google)?.richResponse));
  if (texts.length === 0)
    texts.push(str(message.fulfillmentText) ?? str(message.displayText) ?? str(message.speech) ?? '');
  return texts.filter(Boolean).join('\n');
}

export function googleToEvents(type: 'incoming' | 'outgoing', body: unknown): TrackOutcome {
  const b = bodyObject(body, EXPECTED);
  const requestBody = obj(b.request_body);
  if (!requestBody)
    throw missing('request_body is required: the Assistant or Dialogflow webhook request', `expected ${EXPECTED}`);
  const request = readRequest(requestBody);
  if (!request.conversationId) {
    throw missing(
      'request_body.conversation.conversationId (Actions SDK), request_body.session (Dialogflow v2), request_body.sessionId (Dialogflow v1) or request_body.request.session.id (Actions Builder) is required: it is the conversation',
    );
  }
  const message = obj(b.message);
  if (type === 'outgoing' && !message) throw missing('message is required on outgoing: the response the action sent');
  const user = request.userId
    ? { id: request.userId, ...(request.userName ? { name: request.userName } : {}) }
    : undefined;
  const event: EventBody = {
    event_id: platformEventId('google', request.requestId, type),
    conversation_id: request.conversationId,
    platform: 'google',
    user,
    direction: type === 'incoming' ? 'user' : 'bot',
    text: type === 'incoming' ? request.text : responseText(message!),
    intent: type === 'incoming' ? (str(obj(b.intent)?.name) ?? request.intent) : str(obj(b.intent)?.name),
    timestamp: isoFromMillis(b.dashbot_timestamp),
    metadata: metadataOf({ ...(obj(b.metadata) ?? {}) }),
  };
  return oneEvent(compact(event));
}
