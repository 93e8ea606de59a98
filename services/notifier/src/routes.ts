// Which Slack channel a new conversation goes to: the first matching route, else the default triage channel.
// The choice itself is shared with the status service (@switchboard/agreements routeChannel). Pure.
import { Priority } from '@switchboard/proto';
import { allChannels, routeChannel, type Route } from '@switchboard/agreements';

export { allChannels };

export interface RouteSubject {
  priority: Priority;
  teamId: string;
  platform: string;
  /** The operators' team a handoff asks for: a `team:` route naming it wins over every other route. */
  handoffTeam?: string;
}

/** The channel of a new conversation: the first route that matches it, in the order given, else the default. */
export function channelFor(routes: Route[], defaultChannel: string, subject: RouteSubject): string {
  const priority = Priority[subject.priority]?.toLowerCase() ?? '';
  return routeChannel(routes, defaultChannel, { ...subject, priority });
}
