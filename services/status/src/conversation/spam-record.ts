// Where the shared spam marks (packages/store SpamMarks) are written: from every SPAM / NOT_SPAM on conv.status
// (one consumer), and already before an operator's own SPAM is published, so the mark holds for the spammer's
// next conversation however far behind a consumer of conv.status is. A Not spam undoes the scope the spam had.
import { StatusChange, timestampMs, type StatusEvent, type StatusEventSchema } from '@switchboard/proto';
import type { Delivery } from '@switchboard/bus';
import { botOfId } from '@switchboard/core';
import { effectiveScope, type SpamChange, type SpamMarks, type SpamScope } from '@switchboard/store';
import { operatorName } from './conversation-state';

/** Pure: what a status event changes in the marks, or null when it is not a SPAM / NOT_SPAM. */
export function spamChangeOf(event: StatusEvent, nowMs = Date.now()): SpamChange | null {
  if (event.change !== StatusChange.SPAM && event.change !== StatusChange.NOT_SPAM) return null;
  if (!event.conversationId) return null;
  const scope: SpamScope = event.wholeUser ? 'user' : event.wholeTeam ? 'team' : 'conversation';
  return {
    spam: event.change === StatusChange.SPAM,
    scope,
    conversationId: event.conversationId,
    bot: botOfId(event.conversationId),
    userId: event.userId || undefined,
    teamId: event.teamId || undefined,
    by: operatorName(event.actor),
    atMs: event.at ? timestampMs(event.at) : nowMs,
  };
}

/** The event's whole_user / whole_team flags for a scope. */
export const scopeFlags = (scope: SpamScope) => ({ wholeUser: scope === 'user', wholeTeam: scope === 'team' });

/**
 * The scope an operator's SPAM / NOT_SPAM reaches: the one asked for; a Not spam that names none undoes the
 * scope the conversation was marked with (a team marked from this conversation is cleared from it).
 */
export async function requestedScope(
  marks: SpamMarks,
  request: { conversationId: string; change: StatusChange; scope?: SpamScope },
): Promise<SpamScope> {
  if (request.scope) return request.scope;
  if (request.change !== StatusChange.NOT_SPAM) return 'conversation';
  const mark = await marks.conversationMark(request.conversationId);
  return mark?.spam ? mark.scope : 'conversation';
}

/** conv.status → the marks. Idempotent and order-proof (the later change wins), so redeliveries are harmless. */
export function spamMarkRecorder(marks: SpamMarks) {
  return async ({ event, log }: Delivery<typeof StatusEventSchema>): Promise<void> => {
    const change = spamChangeOf(event);
    if (!change) return;
    if (effectiveScope(change) !== change.scope)
      log.warn(
        { scope: change.scope },
        'whole-user or whole-team change without its id: applied to the conversation only',
      );
    const written = await marks.apply(change);
    log.info(
      { spam: change.spam, scope: change.scope, written },
      change.spam ? 'spam mark recorded' : 'spam mark cleared',
    );
  };
}
