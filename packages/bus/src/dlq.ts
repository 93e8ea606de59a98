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

/**
 * On a replayed message: the one consumer group it is re-driven for (the group that dead-lettered it). Every
 * other group consuming the topic already handled the original and skips the copy, so a replay never makes
 * them act twice after their done-marks have expired.
 */
export const REPLAY_FOR_HEADER = 'x-switchboard-replay-for';

/** The group a replayed message is meant for, or undefined for an ordinary message (meant for everyone). */
export function replayTarget(
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined,
): string | undefined {
  const value = headers?.[REPLAY_FOR_HEADER];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : String(first);
}

/** True when a message was replayed for another consumer group than `groupId`: this group must skip it. */
export function replayedForAnotherGroup(headers: Parameters<typeof replayTarget>[0], groupId: string): boolean {
  const target = replayTarget(headers);
  return target !== undefined && target !== '' && target !== groupId;
}

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
