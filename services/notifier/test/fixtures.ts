// Events and summaries for the notifier's tests.
import {
  create,
  ClassifiedEventSchema,
  Direction,
  EventKind,
  Priority,
  type ClassifiedEvent,
} from '@switchboard/proto';
import { summarize, type ConversationSummary } from '../src/conversation';

export interface EventOptions {
  conversationId?: string;
  eventId?: string;
  priority?: Priority;
  direction?: Direction;
  kind?: EventKind;
  matchedRules?: string[];
  tags?: string[];
  denied?: boolean;
  user?: string;
  team?: string;
  teamId?: string;
  platform?: string;
  /** When ingress received it (default: now). */
  receivedAtMs?: number;
}

export function classified(text: string, o: EventOptions = {}): ClassifiedEvent {
  return create(ClassifiedEventSchema, {
    message: {
      eventId: o.eventId ?? 'e1',
      conversationId: o.conversationId ?? 'c1',
      text,
      user: { id: 'u1', name: o.user ?? 'Ann' },
      team: { id: o.teamId ?? 't1', name: o.team ?? 'Acme' },
      platform: o.platform ?? 'slack',
      direction: o.direction ?? Direction.USER,
      receivedAt: { seconds: BigInt(Math.floor((o.receivedAtMs ?? Date.now()) / 1000)), nanos: 0 },
    },
    kind: o.kind ?? EventKind.CONVERSATION_STARTED,
    priority: o.priority ?? Priority.NORMAL,
    matchedRules: o.matchedRules ?? [],
    tags: o.tags ?? [],
    denied: o.denied ?? false,
  });
}

export const summary = (text: string, o: EventOptions = {}): ConversationSummary => summarize(classified(text, o));
