// The NOTIFIER_ROUTES setting, parsed and validated at start (config.ts) by the routes grammar shared with the
// status service (@switchboard/agreements routes.ts); a bad entry stops the notifier naming the variable.
import { ConfigError, type Setting } from '@switchboard/core';
import {
  isChannel,
  parseRoutes as parseRouteList,
  RoutesError,
  type Route,
  type RouteField,
} from '@switchboard/agreements';

export { isChannel, type Route, type RouteField };

/** Parses NOTIFIER_ROUTES; the error names the variable, the entry and what is wrong with it. */
export function parseRoutes(text: string, variable = 'NOTIFIER_ROUTES'): Route[] {
  try {
    return parseRouteList(text);
  } catch (err) {
    if (err instanceof RoutesError) throw new ConfigError(variable, err.message);
    throw err;
  }
}

export function routesSetting(variable: string): Setting<Route[]> {
  return { variable, parse: (text) => (text === undefined ? [] : parseRoutes(text, variable)) };
}
