// How to reach a secured Kafka: TLS (KAFKA_SSL, its CA and client certificate) and SASL (PLAIN, SCRAM-SHA-256/512),
// read once with the rest of the config, checked together, files read at start. Secrets never show in logs.
import { readFileSync } from 'node:fs';
import { ConfigError, env, type Env } from './config';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaTls {
  /** PEM text of the CA(s) to trust; Node's default CAs when absent. */
  readonly ca?: string;
  /** PEM text of the client certificate (mutual TLS). */
  readonly cert?: string;
  /** PEM text of the client key; not enumerable, so it never lands in a log line or a JSON dump. */
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
}

export interface KafkaSasl {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  /** Not enumerable, so it never lands in a log line or a JSON dump. */
  readonly password: string;
}

export interface KafkaSecurity {
  readonly tls?: KafkaTls;
  readonly sasl?: KafkaSasl;
}

export const KAFKA_SECURITY_VARIABLES = {
  ssl: 'KAFKA_SSL',
  caFile: 'KAFKA_SSL_CA_FILE',
  certFile: 'KAFKA_SSL_CERT_FILE',
  keyFile: 'KAFKA_SSL_KEY_FILE',
  rejectUnauthorized: 'KAFKA_SSL_REJECT_UNAUTHORIZED',
  mechanism: 'KAFKA_SASL_MECHANISM',
  username: 'KAFKA_SASL_USERNAME',
  password: 'KAFKA_SASL_PASSWORD',
  passwordFile: 'KAFKA_SASL_PASSWORD_FILE',
} as const;

const V = KAFKA_SECURITY_VARIABLES;
// Built on first use: this module and config.ts import each other (commonSpec holds kafkaSecuritySetting).
const settingsOf = () => ({
  ssl: env.bool(V.ssl, false),
  caFile: env.optionalString(V.caFile),
  certFile: env.optionalString(V.certFile),
  keyFile: env.optionalString(V.keyFile),
  rejectUnauthorized: env.bool(V.rejectUnauthorized, true),
  mechanism: env.optionalString(V.mechanism),
  username: env.optionalString(V.username),
  password: env.optionalString(V.password),
  passwordFile: env.optionalString(V.passwordFile),
});
type Settings = ReturnType<typeof settingsOf>;

/** Adds a property that JSON, pino and util.inspect do not show (a password, a private key). */
function hide<T extends object>(target: T, name: string, value: string | undefined): T {
  if (value !== undefined) Object.defineProperty(target, name, { value, enumerable: false });
  return target;
}

/** A file's text; the error names the variable that pointed at it. */
function readText(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      variable,
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function readPem(variable: string, path: string): string {
  const text = readText(variable, path);
  if (!text.includes('-----BEGIN ')) throw new ConfigError(variable, `${path} is not PEM (no "-----BEGIN" line)`);
  return text;
}

/** Reads and checks the KAFKA_SSL* and KAFKA_SASL* variables together, and reads the files they name. */
export function readKafkaSecurity(source: Env): KafkaSecurity {
  const problems: ConfigError[] = [];
  const fail = (variable: string, message: string) => problems.push(new ConfigError(variable, message));
  const attempt = <T>(work: () => T): T | undefined => {
    try {
      return work();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err);
      return undefined;
    }
  };
  const settings = settingsOf();
  const value = <K extends keyof Settings>(key: K) =>
    attempt(() => settings[key].parse(source[settings[key].variable]) as ReturnType<Settings[K]['parse']>);
  const file = (variable: string, path: string | undefined) =>
    path === undefined ? undefined : attempt(() => readPem(variable, path));
  const [ssl, caFile, certFile, keyFile, rejectUnauthorized] = [
    value('ssl'),
    value('caFile'),
    value('certFile'),
    value('keyFile'),
    value('rejectUnauthorized'),
  ];
  const [mechanismText, username, password, passwordFile] = [
    value('mechanism'),
    value('username'),
    value('password'),
    value('passwordFile'),
  ];

  let tls: KafkaTls | undefined;
  if (ssl) {
    if ((certFile === undefined) !== (keyFile === undefined)) {
      fail(
        certFile === undefined ? V.certFile : V.keyFile,
        `a client certificate needs both ${V.certFile} and ${V.keyFile}`,
      );
    }
    const [ca, cert, key] = [file(V.caFile, caFile), file(V.certFile, certFile), file(V.keyFile, keyFile)];
    tls = hide(
      { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), rejectUnauthorized: rejectUnauthorized ?? true },
      'key',
      key,
    );
  } else {
    for (const [variable, given] of [
      [V.caFile, caFile],
      [V.certFile, certFile],
      [V.keyFile, keyFile],
    ] as const) {
      if (given !== undefined)
        fail(variable, `is set but ${V.ssl} is not true (set ${V.ssl}=true to connect over TLS)`);
    }
    if (source[V.rejectUnauthorized]?.trim()) fail(V.rejectUnauthorized, `is set but ${V.ssl} is not true`);
  }

  let sasl: KafkaSasl | undefined;
  const mechanism = mechanismText?.toLowerCase() as SaslMechanism | undefined;
  if (mechanism !== undefined && !SASL_MECHANISMS.includes(mechanism)) {
    fail(V.mechanism, `expected one of ${SASL_MECHANISMS.join(', ')}, got "${mechanismText}"`);
  } else if (mechanism !== undefined) {
    if (username === undefined) fail(V.username, `is required with ${V.mechanism}=${mechanism}`);
    let secret = password;
    if (password !== undefined && passwordFile !== undefined)
      fail(V.password, `set either ${V.password} or ${V.passwordFile}, not both`);
    else if (password === undefined && passwordFile === undefined)
      fail(V.password, `is required with ${V.mechanism}=${mechanism} (or ${V.passwordFile})`);
    else if (passwordFile !== undefined) {
      // The file's one line; the newline an editor or `echo` adds is not part of the password.
      secret = attempt(() => readText(V.passwordFile, passwordFile).replace(/\r?\n$/, ''));
      if (secret === '') fail(V.passwordFile, `${passwordFile} is empty`);
    }
    if (username !== undefined && secret) sasl = hide({ mechanism, username }, 'password', secret) as KafkaSasl;
  } else {
    for (const [variable, given] of [
      [V.username, username],
      [V.password, password],
      [V.passwordFile, passwordFile],
    ] as const) {
      if (given !== undefined) fail(variable, `is set but ${V.mechanism} is not (${SASL_MECHANISMS.join(', ')})`);
    }
  }

  if (problems.length === 1) throw problems[0];
  if (problems.length > 1)
    throw new ConfigError(problems.map((p) => p.variable).join(', '), problems.map((p) => p.message).join('; '));
  return { ...(tls ? { tls } : {}), ...(sasl ? { sasl } : {}) };
}

/** The settings as one config entry: `kafkaSecurity: kafkaSecuritySetting` in a spec. */
export const kafkaSecuritySetting = {
  variables: Object.values(V),
  read: readKafkaSecurity,
};
