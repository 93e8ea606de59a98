// conv.raw → conv.classified: applies the rules and the conversation's state to raw events, a whole
// batch at a time (one Redis transaction, one Kafka send), or one at a time when a batch failed.
import {
  create,
  timestampMs,
  timestampNow,
  ClassifiedEventSchema,
  type MessageEvent,
  type MessageEventSchema,
} from '@switchboard/proto';
import { Topics, type Delivery, type Publisher } from '@switchboard/bus';
import { secondsSince, type Metrics } from '@switchboard/core';
import { classify, type Rules } from './rules';
import { withHandoff } from './handoff';
import type { ConversationTracker } from './conversation';

export interface ClassifierDeps {
  rules: () => Rules;
  tracker: ConversationTracker;
  publisher: Publisher;
  metrics: Metrics;
}

export function classifyEvent(message: MessageEvent, rules: Rules) {
  return classify(
    {
      text: message.text,
      direction: message.direction,
      teamId: message.team?.id ?? '',
      userId: message.user?.id ?? '',
    },
    rules,
  );
}

const receivedMs = (event: MessageEvent) => (event.receivedAt ? timestampMs(event.receivedAt) : Date.now());

export function classifierBatchHandler({ rules, tracker, publisher, metrics }: ClassifierDeps) {
  return async (deliveries: Delivery<typeof MessageEventSchema>[]): Promise<void> => {
    const events = deliveries.map((d) => d.event);
    const kinds = await tracker.kindsOf(
      events.map((e) => ({ conversationId: e.conversationId, eventId: e.eventId, atMs: receivedMs(e) })),
    );
    const ruleSet = rules();
    const classifiedAt = timestampNow();
    await publisher.publish(
      Topics.classified,
      events.map((event, i) => ({
        key: event.conversationId,
        value: create(ClassifiedEventSchema, {
          message: event,
          ...withHandoff(event, kinds[i], classifyEvent(event, ruleSet)),
          classifiedAt,
        }),
      })),
    );
    for (const event of events)
      metrics.endToEndSeconds.observe({ stage: 'classified' }, secondsSince(receivedMs(event)));
  };
}

export function classifierHandler(deps: ClassifierDeps) {
  const batch = classifierBatchHandler(deps);
  return (delivery: Delivery<typeof MessageEventSchema>) => batch([delivery]);
}
