// From a validated request body to the MessageEvent published on conv.raw: pure, so every mapping is
// table-tested. The client's event_id is the idempotency key; without one, ingress makes a UUIDv7. Both the
// event id and the conversation id are scoped by the bot here, once (bot:id): everything downstream (Redis
// keys, Kafka keys, done-marks, Slack and Asana markers) then keeps two bots apart without knowing of bots.
import { scopeId } from '@switchboard/core';
import { create, timestampFromDate, Direction, MessageEventSchema, type MessageEvent } from '@switchboard/proto';
import type { EventBody } from './schema';
import { uuidv7 } from './ids';

export function toMessageEvent(
  body: EventBody,
  context: { botId: string; now: Date; newId?: () => string },
): MessageEvent {
  return create(MessageEventSchema, {
    eventId: scopeId(context.botId, body.event_id ?? (context.newId ?? uuidv7)()),
    conversationId: scopeId(context.botId, body.conversation_id),
    platform: body.platform ?? '',
    team: body.team ? { id: body.team.id, name: body.team.name ?? '' } : undefined,
    user: body.user ? { id: body.user.id, name: body.user.name ?? '' } : undefined,
    direction: body.direction === 'bot' ? Direction.BOT : Direction.USER,
    text: body.text ?? '',
    attachments: (body.attachments ?? []).map((a) => ({ type: a.type ?? '', url: a.url ?? '', name: a.name ?? '' })),
    buttons: body.buttons ?? [],
    intent: body.intent ?? '',
    metadata: body.metadata ?? {},
    sentAt: timestampFromDate(body.timestamp ? new Date(body.timestamp) : context.now),
    receivedAt: timestampFromDate(context.now),
    botId: context.botId,
    handoff: body.handoff
      ? {
          reason: body.handoff.reason,
          summary: body.handoff.summary ?? '',
          team: body.handoff.team ?? '',
          metadata: body.handoff.metadata ?? {},
        }
      : undefined,
  });
}

/** Events with an id seen earlier in the same batch are dropped: the first one wins. */
export function uniqueById(events: MessageEvent[]): MessageEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => (seen.has(e.eventId) ? false : (seen.add(e.eventId), true)));
}
