// Kafka's TLS and SASL settings: read together, checked together, files read once, secrets kept out of logs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { commonSpec, createLogger, readConfig, readKafkaSecurity } from '../src';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE-secret-key\n-----END PRIVATE KEY-----\n';

describe('readKafkaSecurity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const ca = file('ca.pem', PEM);
  const cert = file('client.pem', PEM);
  const key = file('client.key', KEY);
  const passwordFile = file('password', 's3cret-from-file\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is plaintext without any setting', () => {
    expect(readKafkaSecurity({})).toEqual({});
  });

  it('reads TLS with a CA and a client certificate, verifying the broker by default', () => {
    const { tls } = readKafkaSecurity({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SSL_CERT_FILE: cert,
      KAFKA_SSL_KEY_FILE: key,
    });
    expect(tls).toMatchObject({ ca: PEM, cert: PEM, rejectUnauthorized: true });
    expect(tls?.key).toBe(KEY);
    expect(readKafkaSecurity({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }).tls).toEqual({
      rejectUnauthorized: false,
    });
  });

  it.each([
    ['scram-sha-512', { KAFKA_SASL_PASSWORD: 'p4ss' }, 'p4ss'],
    ['SCRAM-SHA-256', { KAFKA_SASL_PASSWORD_FILE: passwordFile }, 's3cret-from-file'],
    ['plain', { KAFKA_SASL_PASSWORD: 'p4ss' }, 'p4ss'],
  ])('reads SASL %s', (mechanism, password, expected) => {
    const { sasl } = readKafkaSecurity({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'svc', ...password });
    expect(sasl).toMatchObject({ mechanism: mechanism.toLowerCase(), username: 'svc' });
    expect(sasl?.password).toBe(expected);
  });

  it.each([
    [
      'an unknown mechanism',
      { KAFKA_SASL_MECHANISM: 'gssapi', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      /^KAFKA_SASL_MECHANISM: expected one of plain, scram-sha-256, scram-sha-512, got "gssapi"$/,
    ],
    [
      'a mechanism without a user',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'p' },
      /^KAFKA_SASL_USERNAME: is required with KAFKA_SASL_MECHANISM=plain$/,
    ],
    [
      'a mechanism without a password',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' },
      /^KAFKA_SASL_PASSWORD: is required/,
    ],
    [
      'both a password and a password file',
      {
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_SASL_PASSWORD_FILE: passwordFile,
      },
      /^KAFKA_SASL_PASSWORD: set either/,
    ],
    [
      'a password file that is not there',
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: '/nonexistent/pw' },
      /^KAFKA_SASL_PASSWORD_FILE: cannot read \/nonexistent\/pw: ENOENT$/,
    ],
    [
      'a user without a mechanism',
      { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      /^KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: KAFKA_SASL_USERNAME: is set but KAFKA_SASL_MECHANISM is not/,
    ],
    ['a CA without KAFKA_SSL', { KAFKA_SSL_CA_FILE: ca }, /^KAFKA_SSL_CA_FILE: is set but KAFKA_SSL is not true/],
    ['KAFKA_SSL that is not a boolean', { KAFKA_SSL: 'maybe' }, /^KAFKA_SSL: expected true or false, got "maybe"$/],
    [
      'a certificate without its key',
      { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: cert },
      /^KAFKA_SSL_KEY_FILE: a client certificate needs both/,
    ],
    [
      'a CA file that is not PEM',
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: passwordFile },
      /^KAFKA_SSL_CA_FILE: .* is not PEM/,
    ],
    [
      'a CA file that is not there',
      { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' },
      /^KAFKA_SSL_CA_FILE: cannot read \/nonexistent\/ca.pem: ENOENT$/,
    ],
  ])('refuses %s, naming the variable', (_name, environment, message) => {
    expect(() => readKafkaSecurity(environment)).toThrow(message);
  });

  it('is part of every service config, and its secrets show in no log line, JSON or inspection', () => {
    const config = readConfig(commonSpec, {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CERT_FILE: cert,
      KAFKA_SSL_KEY_FILE: key,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD: 'hunter2-password',
    });
    expect(config.kafkaSecurity.sasl?.password).toBe('hunter2-password');
    const lines: string[] = [];
    const logger = createLogger({
      service: 't',
      destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }),
    });
    logger.info({ config }, 'config');
    logger.info(config.kafkaSecurity, 'security');
    for (const shown of [
      lines.join(''),
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      JSON.stringify({ ...config }),
    ]) {
      expect(shown).toContain('svc');
      expect(shown).not.toContain('hunter2-password');
      expect(shown).not.toContain('secret-key');
    }
  });
});
