// What a kafkajs log entry means to a person: the transient errors a broker answers while it starts, moves
// a leader or rebalances a group (kafkajs retries them itself) are logged as what they are, not as errors.

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface KafkaLogLine {
  level: KafkaLogLevel;
  message: string;
  fields: Record<string, unknown>;
  /** For a known transient condition: which one (the logger says it once at its level, repeats at debug). */
  transient?: string;
}

interface Transient {
  kind: string;
  /** Matched against the entry's message and its `error` field. */
  pattern: RegExp;
  level: KafkaLogLevel;
  explanation: string;
}

/** Known transient conditions, first match wins. Anything else keeps the level kafkajs gave it. */
const TRANSIENT: readonly Transient[] = [
  {
    kind: 'coordinator-loading',
    pattern: /coordinator is loading/i,
    level: 'info',
    explanation:
      'Kafka is still loading its group coordinator (normal just after the broker or a new group starts); retrying',
  },
  {
    kind: 'coordinator-unavailable',
    pattern: /group coordinator is not available|not the correct coordinator for this group/i,
    level: 'info',
    explanation: 'Kafka has no group coordinator ready yet, or it moved (normal while the broker starts); retrying',
  },
  {
    kind: 'leader-election',
    pattern:
      /not the leader for that topic-partition|no leader for this topic-partition|leadership election|preferred leader was not available/i,
    level: 'info',
    explanation:
      'a partition leader is being elected or moved (normal after topics are created or a broker restarts); retrying',
  },
  {
    kind: 'partition-not-served',
    pattern: /does not host this topic-partition/i,
    level: 'info',
    explanation: 'a partition is not served yet (normal right after its topic was created); retrying',
  },
  {
    kind: 'topic-exists',
    pattern: /Topic with this name already exists|Topic creation errors|Could not create topics/i,
    level: 'debug',
    explanation: 'another service created the topics at the same moment; they exist, nothing to do',
  },
  {
    kind: 'rebalance',
    pattern: /group is rebalancing|not aware of this member|rebalance in progress/i,
    level: 'info',
    explanation: 'the consumer group is rebalancing (a member joined or left); re-joining',
  },
];

/**
 * Maps one kafkajs entry to the line to log. Only errors and warnings are reconsidered; a known transient
 * one is lowered to info/debug with a plain explanation, and kafkajs's own wording is kept beside it.
 */
export function describeKafkaLog(
  level: KafkaLogLevel,
  entry: { message: string } & Record<string, unknown>,
): KafkaLogLine {
  const { message, ...fields } = entry;
  // A consumer's crash (kafkajs having given up retrying) is logged by the consumer itself, which restarts it
  // (describeConsumerCrash: a warning for a known transient cause, else an error with the stack): here, debug.
  if (message.startsWith('Crash')) {
    return { level: 'debug', message: `kafkajs: ${message}`, fields: { ...fields, kafkajs: message } };
  }
  if (level === 'error' || level === 'warn') {
    const detail = typeof fields.error === 'string' ? fields.error : '';
    const known = TRANSIENT.find(({ pattern }) => pattern.test(detail) || pattern.test(message));
    if (known) {
      return {
        level: known.level,
        message: `transient: ${known.explanation}`,
        fields: { ...fields, kafkajs: message, transient: true },
        transient: known.kind,
      };
    }
  }
  return { level, message, fields };
}

/** A consumer crash for a transient condition is an error only once it has come back this many times in a row. */
export const TRANSIENT_CRASHES_BEFORE_ERROR = 3;

/**
 * How to log a consumer's crash (the consumer starts a fresh one after a pause either way). A broker just
 * started answers the first group join with "the coordinator is loading", and kafkajs gives that up at once:
 * the first crashes for a known transient condition are a warning saying what they are; the same crash
 * repeated, or any other, is an error.
 */
export function describeConsumerCrash(
  error: string,
  restartsInARow: number,
): { level: 'error' | 'warn'; message: string; transient?: string } {
  const known = TRANSIENT.find(({ pattern }) => pattern.test(error));
  if (known && known.kind !== 'topic-exists' && restartsInARow < TRANSIENT_CRASHES_BEFORE_ERROR)
    return { level: 'warn', message: `consumer restarting: ${known.explanation}`, transient: known.kind };
  return { level: 'error', message: 'consumer crashed' };
}
