// The NOTIFIER_ROUTES setting and channel names, parsed and validated at start (config.ts): either
// `priority:urgent=#urgent,team:T123=#acme,platform:web=#web` or the same as JSON,
// `{"priority:urgent": "#urgent", "team:T123": "#acme"}`. Which route a conversation takes is routes.ts.
import { Priority } from '@switchboard/proto';
import { ConfigError, type Setting } from '@switchboard/core';

export type RouteField = 'priority' | 'team' | 'platform';

export interface Route {
  field: RouteField;
  /** For priority: the level name (low, normal, high, urgent); else the team id or platform name. */
  value: string;
  channel: string;
}

export const PRIORITY_LEVELS: Record<string, Priority> = {
  low: Priority.LOW,
  normal: Priority.NORMAL,
  high: Priority.HIGH,
  urgent: Priority.URGENT,
};
const FIELDS: RouteField[] = ['priority', 'team', 'platform'];
/** A channel name (`#triage`, `triage`) or id (`C0123ABCD`, `G…`). */
const CHANNEL = /^(#?[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{6,})$/;

export function isChannel(text: string): boolean {
  return CHANNEL.test(text);
}

function route(match: string, channel: string, where: string, variable: string): Route {
  const colon = match.indexOf(':');
  const field = match.slice(0, colon).trim().toLowerCase() as RouteField;
  const value = match.slice(colon + 1).trim();
  const problem = (what: string) => new ConfigError(variable, `${where}: ${what}`);
  if (colon < 0 || !FIELDS.includes(field))
    throw problem(`"${match}" is not priority:<level>, team:<id> or platform:<name>`);
  if (value === '') throw problem(`"${match}" has no value after the colon`);
  if (field === 'priority' && !(value.toLowerCase() in PRIORITY_LEVELS)) {
    throw problem(`priority "${value}" is not one of ${Object.keys(PRIORITY_LEVELS).join(', ')}`);
  }
  if (!isChannel(channel)) throw problem(`"${channel}" is not a channel name (#name) or id (C…)`);
  return { field, value: field === 'priority' ? value.toLowerCase() : value, channel };
}

/** Parses NOTIFIER_ROUTES; the error names the entry and what is wrong with it. */
export function parseRoutes(text: string, variable = 'NOTIFIER_ROUTES'): Route[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new ConfigError(variable, `not valid JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ConfigError(variable, 'JSON routes must be an object of "field:value": "#channel"');
    return Object.entries(parsed).map(([match, channel], i) => {
      if (typeof channel !== 'string')
        throw new ConfigError(variable, `entry ${i + 1} ("${match}"): the channel must be a string`);
      return route(match, channel.trim(), `entry ${i + 1} ("${match}")`, variable);
    });
  }
  return trimmed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry, i) => {
      const eq = entry.lastIndexOf('=');
      if (eq < 0) throw new ConfigError(variable, `entry ${i + 1} ("${entry}"): expected field:value=#channel`);
      return route(entry.slice(0, eq).trim(), entry.slice(eq + 1).trim(), `entry ${i + 1} ("${entry}")`, variable);
    });
}

export function routesSetting(variable: string): Setting<Route[]> {
  return { variable, parse: (text) => (text === undefined ? [] : parseRoutes(text, variable)) };
}
