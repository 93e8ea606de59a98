// Dashbot-compatible tracking: `POST /track?platform=…&type=…&apiKey=…` with the body Dashbot's SDKs send
// for that platform, mapped onto the same events as /v1/events, so a bot that logged to Dashbot switches
// by changing one URL. Chooses the mapping by platform and type; each platform's module is pure.
import { BadRequest } from '../validate';
import { alexaToEvents } from './alexa';
import { obj, type TrackOutcome, type TrackQuery } from './common';
import { facebookToEvents } from './facebook';
import { googleToEvents } from './google';
import { microsoftToEvents } from './microsoft';
import { slackToEvents } from './slack';
import { universalToEvent } from './universal';

export type { TrackOutcome, TrackQuery } from './common';

/**
 * Platforms with a payload shape of their own, and the fields that mark it. Any other platform name uses
 * the universal format, and so does a universal body (with userId, without those fields) under any name.
 */
const PLATFORMS = {
  slack: { map: slackToEvents, own: ['message'] },
  facebook: { map: facebookToEvents, own: ['entry', 'json'] },
  microsoft: { map: microsoftToEvents, own: ['conversation', 'from', 'recipient'] },
  google: { map: googleToEvents, own: ['request_body'] },
  alexa: { map: alexaToEvents, own: ['event'] },
} as const;

function isUniversal(body: unknown, own: readonly string[]): boolean {
  const b = obj(body);
  return b !== undefined && typeof b.userId === 'string' && !own.some((key) => key in b);
}

/** Types Dashbot's SDKs send that are not messages: accepted, nothing recorded. */
const NOT_MESSAGES: Record<string, string> = {
  connect: 'type=connect reports the bot connecting to its platform, not a message',
  event: 'type=event (custom, page-launch, share and revenue events) is not a message',
};

export const SUPPORTED_PLATFORMS = Object.keys(PLATFORMS);

export function trackToEvents(query: TrackQuery, body: unknown): TrackOutcome {
  const type = typeof query.type === 'string' ? query.type : undefined;
  if (query.platform !== undefined && typeof query.platform !== 'string')
    throw new BadRequest(400, 'query parameter platform must be given once');
  const platform = query.platform || 'universal';
  if (!type) throw new BadRequest(400, 'query parameter type is required: incoming or outgoing');
  if (NOT_MESSAGES[type]) return { events: [], ignored: [NOT_MESSAGES[type]] };
  if (type === 'all' && platform !== 'facebook')
    throw new BadRequest(400, 'type=all is only for platform=facebook (echo mode); send incoming or outgoing');
  if (type !== 'incoming' && type !== 'outgoing' && type !== 'all') {
    throw new BadRequest(
      400,
      `query parameter type must be incoming or outgoing (all for facebook; ${Object.keys(NOT_MESSAGES).join(' and ')} are accepted and ignored), not "${type}"`,
    );
  }
  const direction = type === 'outgoing' ? 'bot' : 'user';
  const mapping = PLATFORMS[platform as keyof typeof PLATFORMS];
  if (mapping && !isUniversal(body, mapping.own)) {
    return platform === 'facebook' ? facebookToEvents(type, body) : mapping.map(type as 'incoming' | 'outgoing', body);
  }
  return universalToEvent(
    platform,
    direction,
    body,
    platform === 'universal' || platform === 'generic'
      ? ''
      : `platform "${platform}" has no format of its own here (${SUPPORTED_PLATFORMS.join(', ')} do), so the body must be Dashbot's universal format`,
  );
}
