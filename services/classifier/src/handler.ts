// conv.raw → conv.classified: applies the rules and the conversation's state to each raw event.
import { create, timestampMs, timestampNow, ClassifiedEventSchema, type MessageEvent } from '@switchboard/proto';
import { Topics, type Delivery, type Publisher } from '@switchboard/bus';
import type { MessageEventSchema } from '@switchboard/proto';
import type { Metrics } from '@switchboard/core';
import { secondsSince } from '@switchboard/core';
import { classify, type Rules } from './rules';
import type { ConversationTracker } from './conversation';

export interface ClassifierDeps {
  rules: () => Rules;
  tracker: ConversationTracker;
  publisher: Publisher;
  metrics: Metrics;
}

export function classifyEvent(message: MessageEvent, rules: Rules) {
  return classify(
    { text: message.text, direction: message.direction, teamId: message.team?.id ?? '', userId: message.user?.id ?? '' },
    rules,
  );
}

export function classifierHandler({ rules, tracker, publisher, metrics }: ClassifierDeps) {
  return async ({ event }: Delivery<typeof MessageEventSchema>): Promise<void> => {
    const receivedMs = event.receivedAt ? timestampMs(event.receivedAt) : Date.now();
    const kind = await tracker.kindOf(event.conversationId, event.eventId, receivedMs);
    const verdict = classifyEvent(event, rules());
    await publisher.publish(Topics.classified, [
      {
        key: event.conversationId,
        value: create(ClassifiedEventSchema, { message: event, kind, ...verdict, classifiedAt: timestampNow() }),
      },
    ]);
    metrics.endToEndSeconds.observe({ stage: 'classified' }, secondsSince(receivedMs));
  };
}
