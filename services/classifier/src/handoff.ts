// A bot's request for a human outranks what the rules said: the event's kind becomes HANDOFF_REQUESTED and
// its priority at least high, tagged `handoff` (and `team:<team>` when the bot named one). Pure.
import { EventKind, Priority, type MessageEvent } from '@switchboard/proto';
import type { Verdict } from './rules';

export const HANDOFF_TAG = 'handoff';

export function withHandoff(message: MessageEvent, kind: EventKind, verdict: Verdict): { kind: EventKind } & Verdict {
  const handoff = message.handoff;
  if (!handoff) return { kind, ...verdict };
  const tags = [...verdict.tags, HANDOFF_TAG, ...(handoff.team ? [`team:${handoff.team}`] : [])];
  return {
    ...verdict,
    kind: EventKind.HANDOFF_REQUESTED,
    priority: Math.max(verdict.priority, Priority.HIGH) as Priority,
    tags: [...new Set(tags)],
  };
}
