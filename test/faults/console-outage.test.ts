// The console while Kafka is away, on a broker of the test's own: an operator's note that Kafka has not
// acknowledged within STATUS_PUBLISH_TIMEOUT_MS gets a 503 with Retry-After (never a 2xx, nor a 500), and the
// same form sent again once Kafka is back is acted on once.
import { Topics, Publisher, TopicNames, createKafka } from '@switchboard/bus';
import { createLogger, hashPassword } from '@switchboard/core';
import { ClassifiedEventSchema, EventKind, Direction, create, timestampNow } from '@switchboard/proto';
import { OwnKafka } from '../support/infra';
import { TestSystem, eventually } from '../support/services';
import { testKafkaClient } from '../support/kafka-client';
import { signInToConsole } from '../support/console';

jest.setTimeout(5 * 60 * 1000);

const PASSWORD = 'console outage password';
const CONVERSATION = 'outage-bot:c-outage';
const quiet = createLogger({ service: 'console-outage', level: 'silent' });

describe('the console while Kafka is away', () => {
  let kafka: OwnKafka;
  let system: TestSystem;
  let publisher: Publisher;
  let cookie: string;

  beforeAll(async () => {
    kafka = await OwnKafka.startOnFreePorts();
    system = new TestSystem({
      KAFKA_BROKERS: kafka.brokers,
      CONSOLE_OPERATORS: `olivia:${await hashPassword(PASSWORD, { N: 1024 })}`,
      CONSOLE_SESSION_SECRET: 'a-console-session-secret-of-32-chars-or-more',
      INGRESS_API_KEYS: 'outage-bot:outage-key-0123456789abcdef',
      STATUS_PUBLISH_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'warn',
    });
    await system.start('status');
    const client = createKafka({
      client: testKafkaClient,
      brokers: [kafka.brokers],
      clientId: 'console-outage',
      logger: quiet,
    });
    publisher = new Publisher(client, new TopicNames(system.env.KAFKA_TOPIC_PREFIX));
    await publisher.connect();
    const login = await signInToConsole(system.url('status', '/console/login'), {
      login: 'olivia',
      password: PASSWORD,
    });
    expect(login.status).toBe(303);
    cookie = login.cookie!;
  });

  afterAll(async () => {
    await publisher?.disconnect().catch(() => undefined);
    await system?.stopAll();
    kafka?.remove();
  });

  const page = async () =>
    (
      await fetch(system.url('status', `/console/conversations/${encodeURIComponent(CONVERSATION)}`), {
        headers: { cookie },
      })
    ).text();
  const note = async (formId: string) => {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page())![1];
    return fetch(system.url('status', `/console/conversations/${encodeURIComponent(CONVERSATION)}/notes`), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ text: 'called them back', _csrf: csrf, _form: formId }).toString(),
      redirect: 'manual',
    });
  };

  it('answers 503 with Retry-After while Kafka is down, and acts once on the same form after', async () => {
    const event = create(ClassifiedEventSchema, {
      kind: EventKind.CONVERSATION_STARTED,
      message: {
        eventId: 'outage-bot:e-1',
        conversationId: CONVERSATION,
        direction: Direction.USER,
        text: 'is anyone there?',
        user: { id: 'u1', name: 'Uma' },
        receivedAt: timestampNow(),
      },
    });
    await publisher.publish(Topics.classified, [{ key: CONVERSATION, value: event }]);
    await eventually(page, (html) => html.includes('is anyone there?'), 60000, 'the conversation in the console');
    await publisher.disconnect();

    kafka.stop();
    const formId = 'outage-form-0123456789';
    const refused = await note(formId);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { error: string }).error).toContain('Kafka has not acknowledged');

    kafka.start();
    await eventually(
      async () => (await note(formId)).status,
      (status) => status === 303,
      120000,
      'the same form acted on once Kafka is back',
    );
    const html = await eventually(
      page,
      (text) => text.includes('called them back'),
      60000,
      'the note in the transcript',
    );
    expect(html.split('called them back').length - 1).toBe(1);
  });
});
