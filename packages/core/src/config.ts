// Typed configuration from environment variables: each service declares a spec, main.ts reads it once,
// and a bad value stops start-up with an error that names the variable and what was expected.

import { kafkaSecuritySetting } from './kafka-security';

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** One setting: how to parse the variable's text, and the default when it is unset or empty. */
export interface Setting<T> {
  readonly variable: string;
  parse(text: string | undefined): T;
}

type Parser<T> = (text: string, variable: string) => T;

function setting<T>(variable: string, parser: Parser<T>, fallback: T | undefined, required: boolean): Setting<T> {
  return {
    variable,
    parse(text) {
      if (text === undefined || text.trim() === '') {
        if (fallback !== undefined) return fallback;
        if (required) throw new ConfigError(variable, 'is required but not set');
        return undefined as T;
      }
      return parser(text.trim(), variable);
    },
  };
}

export const env = {
  string: (variable: string, fallback?: string) => setting<string>(variable, (t) => t, fallback, true),
  optionalString: (variable: string) => setting<string | undefined>(variable, (t) => t, undefined, false),
  int: (variable: string, fallback?: number, range: { min?: number; max?: number } = {}) =>
    setting<number>(
      variable,
      (t, v) => {
        if (!/^-?\d+$/.test(t)) throw new ConfigError(v, `expected a whole number, got "${t}"`);
        const n = Number(t);
        if (range.min !== undefined && n < range.min)
          throw new ConfigError(v, `must be at least ${range.min}, got ${n}`);
        if (range.max !== undefined && n > range.max)
          throw new ConfigError(v, `must be at most ${range.max}, got ${n}`);
        return n;
      },
      fallback,
      true,
    ),
  number: (variable: string, fallback?: number) =>
    setting<number>(
      variable,
      (t, v) => {
        const n = Number(t);
        if (!Number.isFinite(n)) throw new ConfigError(v, `expected a number, got "${t}"`);
        return n;
      },
      fallback,
      true,
    ),
  bool: (variable: string, fallback?: boolean) =>
    setting<boolean>(
      variable,
      (t, v) => {
        if (/^(1|true|yes|on)$/i.test(t)) return true;
        if (/^(0|false|no|off)$/i.test(t)) return false;
        throw new ConfigError(v, `expected true or false, got "${t}"`);
      },
      fallback,
      true,
    ),
  url: (variable: string, fallback?: string) =>
    setting<string>(
      variable,
      (t, v) => {
        try {
          return new URL(t).toString();
        } catch {
          throw new ConfigError(v, `expected a URL, got "${t}"`);
        }
      },
      fallback,
      true,
    ),
  list: (variable: string, fallback?: string[]) =>
    setting<string[]>(
      variable,
      (t) =>
        t
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      fallback,
      true,
    ),
  oneOf: <T extends string>(variable: string, choices: readonly T[], fallback?: T) =>
    setting<T>(
      variable,
      (t, v) => {
        if (!(choices as readonly string[]).includes(t)) {
          throw new ConfigError(v, `expected one of ${choices.join(', ')}, got "${t}"`);
        }
        return t as T;
      },
      fallback,
      true,
    ),
};

/** A setting made of several variables that are only valid together (Kafka's TLS and SASL). */
export interface CompoundSetting<T> {
  readonly variables: readonly string[];
  read(source: Env): T;
}

type SpecValues<S> = {
  [K in keyof S]: S[K] extends Setting<infer T> ? T : S[K] extends CompoundSetting<infer T> ? T : never;
};

/**
 * Reads every setting of a spec. All bad variables are reported together so a person fixes them in one go.
 */
export function readConfig<S extends Record<string, Setting<unknown> | CompoundSetting<unknown>>>(
  spec: S,
  source: Env,
): SpecValues<S> {
  const values: Record<string, unknown> = {};
  const problems: ConfigError[] = [];
  for (const [key, item] of Object.entries(spec)) {
    try {
      values[key] = 'read' in item ? item.read(source) : item.parse(source[item.variable]);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(err);
      else throw err;
    }
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) {
    throw new ConfigError(problems.map((p) => p.variable).join(', '), problems.map((p) => p.message).join('; '));
  }
  return values as SpecValues<S>;
}

/** The Kafka client libraries packages/bus can run on (KAFKA_CLIENT). */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClientKind = (typeof KAFKA_CLIENTS)[number];

/** The settings every service shares: where Kafka and Redis are, how to name topics and keys, logging. */
export const commonSpec = {
  kafkaBrokers: env.list('KAFKA_BROKERS', ['localhost:9092']),
  kafkaClientId: env.string('KAFKA_CLIENT_ID', 'switchboard'),
  /** KAFKA_SSL, KAFKA_SSL_CA_FILE/CERT_FILE/KEY_FILE/REJECT_UNAUTHORIZED, KAFKA_SASL_MECHANISM/USERNAME/PASSWORD(_FILE). */
  kafkaSecurity: kafkaSecuritySetting,
  /** The Kafka client library behind packages/bus (docs/performance.md, "Kafka client"). */
  kafkaClient: env.oneOf('KAFKA_CLIENT', KAFKA_CLIENTS, 'kafkajs'),
  topicPrefix: env.string('KAFKA_TOPIC_PREFIX', ''),
  topicPartitions: env.int('KAFKA_TOPIC_PARTITIONS', 12, { min: 1, max: 1000 }),
  topicReplicationFactor: env.int('KAFKA_TOPIC_REPLICATION_FACTOR', 1, { min: 1, max: 10 }),
  partitionsConcurrently: env.int('KAFKA_PARTITIONS_CONCURRENTLY', 4, { min: 1, max: 64 }),
  /** Conversations a consumer that handles them in lanes works on at once, per partition (bus/lanes.ts). */
  conversationsConcurrently: env.int('KAFKA_CONVERSATIONS_CONCURRENTLY', 16, { min: 1, max: 256 }),
  redisUrl: env.url('REDIS_URL', 'redis://localhost:6379'),
  redisKeyPrefix: env.string('REDIS_KEY_PREFIX', 'sb:'),
  logLevel: env.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
};

export type CommonConfig = SpecValues<typeof commonSpec>;
