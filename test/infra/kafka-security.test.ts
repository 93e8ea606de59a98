// Kafka with TLS and SASL, for real: one broker of the test's own with SASL_SSL, SASL_PLAINTEXT and mutual-TLS
// listeners. The bus's publisher and consumer work through each with the settings a service reads from its
// environment; a wrong password, an untrusted broker certificate and a missing client certificate are refused.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { create, MessageEventSchema } from '@switchboard/proto';
import { createLogger, createMetrics, readKafkaSecurity, type Env } from '@switchboard/core';
import { BusConsumer, Publisher, TopicNames, Topics, createKafka, ensureTopics } from '@switchboard/bus';
import { PLAIN_USER, SCRAM_USER, SecureKafka } from '../support/secure-kafka';
import { eventually } from '../support/services';
import { testKafkaClient } from '../support/kafka-client';

jest.setTimeout(4 * 60 * 1000);

describe('Kafka over TLS and SASL', () => {
  const kafka = new SecureKafka();
  const logged: string[] = [];
  const logger = createLogger({
    service: 'kafka-security-test',
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString());
        done();
      },
    }),
  });

  beforeAll(() => kafka.start());
  afterAll(() => kafka.remove());

  /** A client built the way every service builds one: from its environment, through core's config. */
  const client = (broker: string, environment: Env, retries?: number) =>
    createKafka({
      client: testKafkaClient,
      brokers: [broker],
      clientId: `security-${randomUUID().slice(0, 8)}`,
      logger,
      security: readKafkaSecurity(environment),
      retries,
    });

  /** Publishes one event and waits for the bus consumer to hand it over. */
  async function roundTrip(broker: string, environment: Env): Promise<void> {
    const kafkaClient = client(broker, environment);
    const names = new TopicNames(`sec-${randomUUID().slice(0, 8)}.`);
    await ensureTopics(kafkaClient, names, { partitions: 1, replicationFactor: 1 });
    const publisher = new Publisher(kafkaClient, names);
    await publisher.connect();
    const handled: string[] = [];
    const consumer = new BusConsumer({
      kafka: kafkaClient,
      names,
      groupId: `sec-${randomUUID()}`,
      topic: Topics.raw,
      publisher,
      logger,
      metrics: createMetrics('kafka-security-test'),
      handler: async ({ event }) => {
        handled.push(event.text);
      },
    });
    try {
      await consumer.start();
      const text = `hello over ${broker}`;
      await publisher.publish(Topics.raw, [
        { key: 'c1', value: create(MessageEventSchema, { eventId: randomUUID(), conversationId: 'c1', text }) },
      ]);
      await eventually(
        async () => handled,
        (h) => h.includes(text),
        90000,
        'the event back from the consumer',
      );
    } finally {
      await consumer.stop();
      await publisher.disconnect();
    }
  }

  const scramOverTls = () => ({
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: kafka.files.ca,
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: SCRAM_USER.username,
    KAFKA_SASL_PASSWORD: SCRAM_USER.password,
  });

  it('publishes and consumes with SCRAM-SHA-256 over TLS', async () => {
    await roundTrip(kafka.saslSslBroker, scramOverTls());
  });

  it('publishes and consumes with SCRAM-SHA-512 without TLS, the password read from a file', async () => {
    const { writeFileSync } = await import('node:fs');
    const passwordFile = `${kafka.dir}/sasl-password`;
    writeFileSync(passwordFile, `${SCRAM_USER.password}\n`);
    await roundTrip(kafka.saslPlaintextBroker, {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: SCRAM_USER.username,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
    });
  });

  it('publishes and consumes with SASL PLAIN over TLS', async () => {
    await roundTrip(kafka.saslSslBroker, {
      ...scramOverTls(),
      KAFKA_SASL_MECHANISM: 'plain',
      KAFKA_SASL_USERNAME: PLAIN_USER.username,
      KAFKA_SASL_PASSWORD: PLAIN_USER.password,
    });
  });

  it('publishes and consumes over TLS with a client certificate', async () => {
    await roundTrip(kafka.mtlsBroker, {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: kafka.files.ca,
      KAFKA_SSL_CERT_FILE: kafka.files.clientCert,
      KAFKA_SSL_KEY_FILE: kafka.files.clientKey,
    });
  });

  it('refuses a wrong password with an error that says so', async () => {
    const publisher = new Publisher(
      client(kafka.saslSslBroker, { ...scramOverTls(), KAFKA_SASL_PASSWORD: 'not-the-password' }, 0),
      new TopicNames('sec-refused.'),
    );
    // kafkajs: "SCRAM SHA256 authentication failed, …invalid credentials…"; @platformatic/kafka: "SASL
    // authentication failed.; Authentication failed during authentication due to invalid credentials…".
    await expect(publisher.connect()).rejects.toThrow(/authentication failed.*invalid credentials/i);
  });

  it('refuses a broker whose certificate the configured CA did not sign', async () => {
    const publisher = new Publisher(
      client(kafka.saslSslBroker, { ...scramOverTls(), KAFKA_SSL_CA_FILE: kafka.files.otherCa }, 0),
      new TopicNames('sec-refused.'),
    );
    await expect(publisher.connect()).rejects.toThrow(
      /unable to verify the first certificate|self[- ]signed certificate/i,
    );
  });

  it('is refused by a broker that requires a client certificate when it has none', async () => {
    const publisher = new Publisher(
      client(kafka.mtlsBroker, { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: kafka.files.ca }, 0),
      new TopicNames('sec-refused.'),
    );
    // @platformatic/kafka reports only that the broker closed the connection: the TLS alert that says why
    // reaches its socket's error event, not the request (docs/performance.md, "Kafka client").
    await expect(publisher.connect()).rejects.toThrow(
      testKafkaClient === 'platformatic' ? /connection closed/i : /bad certificate|certificate required/i,
    );
  });

  it('never logs a password or a private key', () => {
    const all = logged.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of [SCRAM_USER.password, PLAIN_USER.password, 'not-the-password', 'PRIVATE KEY'])
      expect(all).not.toContain(secret);
  });
});
