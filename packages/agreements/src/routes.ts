// Which Slack channel a conversation is routed to, from the NOTIFIER_ROUTES setting and the triage channel:
// the notifier posts there, the status service matches SLA policies on it (`match: { route: [...] }`). Pure.

export type RouteField = 'priority' | 'team' | 'platform';

export interface Route {
  field: RouteField;
  /** For priority: the level name (low, normal, high, urgent); else the team id or platform name. */
  value: string;
  channel: string;
}

/** The priority level names a route or policy may name, lowest first. */
export const PRIORITY_LEVEL_NAMES = ['low', 'normal', 'high', 'urgent'] as const;
const FIELDS: RouteField[] = ['priority', 'team', 'platform'];
/** A channel name (`#triage`, `triage`) or id (`C0123ABCD`, `G…`). */
const CHANNEL = /^(#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{6,})$/;

export function isChannel(text: string): boolean {
  return CHANNEL.test(text);
}

/** Whether two spellings name the same channel: `#urgent` and `urgent` do; an id only matches itself. */
export function sameChannel(a: string, b: string): boolean {
  const name = (c: string) => (c.startsWith('#') ? c.slice(1) : c);
  return name(a) === name(b);
}

/** A bad routes setting; the message names the entry and what is wrong with it (the caller names the variable). */
export class RoutesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RoutesError';
  }
}

function route(match: string, channel: string, where: string): Route {
  const colon = match.indexOf(':');
  const field = match.slice(0, colon).trim().toLowerCase() as RouteField;
  const value = match.slice(colon + 1).trim();
  const problem = (what: string) => new RoutesError(`${where}: ${what}`);
  if (colon < 0 || !FIELDS.includes(field))
    throw problem(`"${match}" is not priority:<level>, team:<id> or platform:<name>`);
  if (value === '') throw problem(`"${match}" has no value after the colon`);
  if (field === 'priority' && !(PRIORITY_LEVEL_NAMES as readonly string[]).includes(value.toLowerCase())) {
    throw problem(`priority "${value}" is not one of ${PRIORITY_LEVEL_NAMES.join(', ')}`);
  }
  if (!isChannel(channel)) throw problem(`"${channel}" is not a channel name (#name) or id (C…)`);
  return { field, value: field === 'priority' ? value.toLowerCase() : value, channel };
}

/**
 * Parses the routes setting: `priority:urgent=#urgent,team:T123=#acme,platform:web=#web`, or the same as JSON,
 * `{"priority:urgent": "#urgent", "team:T123": "#acme"}`. Throws a RoutesError naming the bad entry.
 */
export function parseRoutes(text: string): Route[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new RoutesError(`not valid JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new RoutesError('JSON routes must be an object of "field:value": "#channel"');
    return Object.entries(parsed).map(([match, channel], i) => {
      if (typeof channel !== 'string')
        throw new RoutesError(`entry ${i + 1} ("${match}"): the channel must be a string`);
      return route(match, channel.trim(), `entry ${i + 1} ("${match}")`);
    });
  }
  return trimmed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry, i) => {
      const eq = entry.lastIndexOf('=');
      if (eq < 0) throw new RoutesError(`entry ${i + 1} ("${entry}"): expected field:value=#channel`);
      return route(entry.slice(0, eq).trim(), entry.slice(eq + 1).trim(), `entry ${i + 1} ("${entry}")`);
    });
}

/** What a conversation is routed on; `priority` is the level name (low, normal, high, urgent). */
export interface RouteSubject {
  priority: string;
  teamId: string;
  platform: string;
  /** The operators' team a handoff asks for: a `team:` route naming it wins over every other route. */
  handoffTeam?: string;
}

/** The channel of a conversation: the first route that matches it, in the order given, else the default. */
export function routeChannel(routes: Route[], defaultChannel: string, subject: RouteSubject): string {
  const handoffRoute = subject.handoffTeam
    ? routes.find((r) => r.field === 'team' && r.value === subject.handoffTeam)
    : undefined;
  if (handoffRoute) return handoffRoute.channel;
  const priority = subject.priority.toLowerCase();
  for (const r of routes) {
    if (r.field === 'priority' && r.value === priority) return r.channel;
    if (r.field === 'team' && r.value === subject.teamId) return r.channel;
    if (r.field === 'platform' && r.value.toLowerCase() === subject.platform.toLowerCase()) return r.channel;
  }
  return defaultChannel;
}

/** Every channel conversations may be routed to. */
export function allChannels(routes: Route[], defaultChannel: string): string[] {
  return [...new Set([defaultChannel, ...routes.map((r) => r.channel)])];
}
