// Dead-letter headers: where a message came from and why it failed, so `switchboard dlq replay` and a
// person reading the DLQ know what happened. The original bytes are kept untouched.

export const DlqHeader = {
  originalTopic: 'x-dlq-original-topic',
  originalPartition: 'x-dlq-original-partition',
  originalOffset: 'x-dlq-original-offset',
  reason: 'x-dlq-reason',
  error: 'x-dlq-error',
  consumerGroup: 'x-dlq-consumer-group',
  failedAt: 'x-dlq-failed-at',
} as const;

export function dlqHeaders(failure: {
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  error: Error;
  groupId: string;
  now?: Date;
}): Record<string, string> {
  return {
    [DlqHeader.originalTopic]: failure.topic,
    [DlqHeader.originalPartition]: String(failure.partition),
    [DlqHeader.originalOffset]: failure.offset,
    [DlqHeader.reason]: failure.reason,
    [DlqHeader.error]: failure.error.message.slice(0, 1000),
    [DlqHeader.consumerGroup]: failure.groupId,
    [DlqHeader.failedAt]: (failure.now ?? new Date()).toISOString(),
  };
}
