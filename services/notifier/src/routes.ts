// Which Slack channel a new conversation goes to: the first matching route (route-setting.ts), else the
// default triage channel. Pure.
import type { Priority } from '@switchboard/proto';
import { PRIORITY_LEVELS, type Route } from './route-setting';

export interface RouteSubject {
  priority: Priority;
  teamId: string;
  platform: string;
  /** The operators' team a handoff asks for: a `team:` route naming it wins over every other route. */
  handoffTeam?: string;
}

/** The channel of a new conversation: the first route that matches it, in the order given, else the default. */
export function channelFor(routes: Route[], defaultChannel: string, subject: RouteSubject): string {
  const handoffRoute = subject.handoffTeam
    ? routes.find((r) => r.field === 'team' && r.value === subject.handoffTeam)
    : undefined;
  if (handoffRoute) return handoffRoute.channel;
  for (const r of routes) {
    if (r.field === 'priority' && PRIORITY_LEVELS[r.value] === subject.priority) return r.channel;
    if (r.field === 'team' && r.value === subject.teamId) return r.channel;
    if (r.field === 'platform' && r.value.toLowerCase() === subject.platform.toLowerCase()) return r.channel;
  }
  return defaultChannel;
}

/** Every channel the notifier may post new conversations to. */
export function allChannels(routes: Route[], defaultChannel: string): string[] {
  return [...new Set([defaultChannel, ...routes.map((r) => r.channel)])];
}
