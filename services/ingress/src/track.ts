// Dashbot-compatible tracking: `POST /track?platform=…&type=incoming|outgoing&apiKey=…` with Dashbot's
// body (text, userId, conversationId, intent, platformJson, platformUserJson) mapped onto the same event
// as /v1/events, so a bot that logged to Dashbot switches by changing one URL. Pure.
import type { EventBody } from './schema';
import { BadRequest } from './validate';

export interface TrackQuery {
  platform?: string;
  type?: string;
  apiKey?: string;
  v?: string;
}

type Json = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined);
const obj = (value: unknown): Json | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);

function userName(user: Json | undefined): string | undefined {
  if (!user) return undefined;
  const full = [str(user.firstName) ?? str(user.first_name), str(user.lastName) ?? str(user.last_name)].filter(Boolean).join(' ');
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

export function trackToEvent(query: TrackQuery, body: unknown): EventBody {
  if (query.type !== 'incoming' && query.type !== 'outgoing') {
    throw new BadRequest(400, 'query parameter type must be incoming or outgoing');
  }
  const b = obj(body);
  if (!b) throw new BadRequest(400, 'body must be a JSON object with text and userId');
  const userId = str(b.userId);
  if (!userId) throw new BadRequest(400, 'userId is required (a string)');
  if (b.text !== undefined && typeof b.text !== 'string') throw new BadRequest(400, 'text must be a string');
  const platformJson = obj(b.platformJson);
  const platformUser = obj(b.platformUserJson);
  const intent = obj(b.intent);
  const metadata: Record<string, string> = {};
  if (platformJson) metadata.platformJson = JSON.stringify(platformJson).slice(0, 1024);
  const id = str(b.id) ?? str(b.messageId) ?? str(platformJson?.messageId);
  const event: EventBody = {
    conversation_id: str(b.conversationId) ?? userId,
    platform: query.platform && query.platform !== 'universal' ? query.platform : (str(platformJson?.platform) ?? 'universal'),
    user: { id: userId, ...(userName(platformUser) ? { name: userName(platformUser) } : {}) },
    direction: query.type === 'incoming' ? 'user' : 'bot',
    text: typeof b.text === 'string' ? b.text : '',
    ...(intent && str(intent.name) ? { intent: str(intent.name) } : str(b.intent) ? { intent: str(b.intent) } : {}),
    ...(Array.isArray(b.buttons) ? { buttons: b.buttons.map((x) => (typeof x === 'string' ? x : (str(obj(x)?.label) ?? str(obj(x)?.title) ?? JSON.stringify(x)))) } : {}),
    ...(Array.isArray(b.images) ? { attachments: b.images.map((x) => ({ type: 'image', url: str(x) ?? str(obj(x)?.url) ?? '' })) } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    ...(id ? { event_id: id } : {}),
  };
  const team = teamOf(platformJson) ?? teamOf(platformUser);
  if (team) event.team = team;
  return event;
}
