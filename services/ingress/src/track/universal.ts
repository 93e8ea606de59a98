// Dashbot's universal (generic) REST format, sent by the SDK's `universal`, `generic`, `webchat`, `sms`
// and the other text platforms: `{text, userId, conversationId?, intent?, buttons?, images?, platformJson?,
// platformUserJson?, metadata?}`. conversationId, or the user when absent, is the conversation.
// `platformJson.handoff` ({reason, summary?, team?, metadata?}) asks for a human, as an event's `handoff`. Pure.
import type { EventBody, HandoffBody } from '../schema';
import { bodyObject, compact, metadataOf, missing, obj, oneEvent, str, type Json, type TrackOutcome } from './common';

function userName(user: Json | undefined): string | undefined {
  if (!user) return undefined;
  const full = [str(user.firstName) ?? str(user.first_name), str(user.lastName) ?? str(user.last_name)]
    .filter(Boolean)
    .join(' ');
  return full || str(user.name) || str(user.real_name) || str(user.userName) || str(user.username);
}

function teamOf(platform: Json | undefined): { id: string; name?: string } | undefined {
  if (!platform) return undefined;
  const team = obj(platform.team);
  const id = str(platform.teamId) ?? str(platform.team_id) ?? str(team?.id);
  if (!id) return undefined;
  const name = str(platform.teamName) ?? str(platform.team_name) ?? str(team?.name);
  return name ? { id, name } : { id };
}

const label = (x: unknown) =>
  typeof x === 'string' ? x : (str(obj(x)?.label) ?? str(obj(x)?.title) ?? str(obj(x)?.text) ?? JSON.stringify(x));

/** `platform` is the name the bot reported (the query's), `universal` when it gave none. */
export function universalToEvent(platform: string, direction: 'user' | 'bot', body: unknown, hint = ''): TrackOutcome {
  const b = bodyObject(body, 'Dashbot\'s universal format {"text": "...", "userId": "..."}');
  const userId = str(b.userId);
  if (!userId) throw missing('userId is required (a string)', hint);
  if (b.text !== undefined && typeof b.text !== 'string') throw missing('text must be a string');
  const platformJson = obj(b.platformJson);
  const platformUser = obj(b.platformUserJson);
  const intent = obj(b.intent);
  const name = userName(platformUser);
  const event: EventBody = {
    event_id: str(b.id) ?? str(b.messageId) ?? str(platformJson?.messageId),
    conversation_id: str(b.conversationId) ?? userId,
    platform: platform !== 'universal' ? platform : (str(platformJson?.platform) ?? 'universal'),
    user: { id: userId, ...(name ? { name } : {}) },
    team: teamOf(platformJson) ?? teamOf(platformUser),
    direction,
    text: typeof b.text === 'string' ? b.text : '',
    intent: str(intent?.name) ?? str(b.intent),
    buttons: Array.isArray(b.buttons) ? b.buttons.map(label) : undefined,
    attachments: Array.isArray(b.images)
      ? b.images.map((x) => ({ type: 'image', url: str(x) ?? str(obj(x)?.url) ?? '' }))
      : undefined,
    metadata: metadataOf({ ...(obj(b.metadata) ?? {}), platformJson }),
    // Passed on as given: the event's schema then checks it and names what is wrong.
    handoff: platformJson?.handoff === undefined ? undefined : (platformJson.handoff as unknown as HandoffBody),
  };
  return oneEvent(compact(event));
}
