// The kafkajs log mapping: the broker's known transient answers become plain info/debug lines, real errors stay errors.
import {
  describeConsumerCrash,
  describeKafkaLog,
  TRANSIENT_CRASHES_BEFORE_ERROR,
  type KafkaLogLevel,
} from '../src/kafka-log';

const entry = (message: string, error?: string) => ({
  message,
  ...(error ? { error } : {}),
  broker: '127.0.0.1:9092',
  clientId: 'switchboard-ingress',
});

describe('describeKafkaLog', () => {
  const cases: [string, KafkaLogLevel, ReturnType<typeof entry>, KafkaLogLevel, RegExp][] = [
    [
      'a loading coordinator',
      'error',
      entry(
        'Response InitProducerId(key: 22, version: 1)',
        "The coordinator is loading and hence can't process requests for this group",
      ),
      'info',
      /still loading its group coordinator/,
    ],
    [
      'no coordinator yet',
      'error',
      entry('Response GroupCoordinator(key: 10, version: 2)', 'The group coordinator is not available'),
      'info',
      /no group coordinator ready yet/,
    ],
    [
      'a moved coordinator',
      'error',
      entry('Response OffsetCommit(key: 8, version: 5)', 'This is not the correct coordinator for this group'),
      'info',
      /or it moved/,
    ],
    [
      'a leader election',
      'error',
      entry('Response Produce(key: 0, version: 7)', 'This server is not the leader for that topic-partition'),
      'info',
      /partition leader is being elected/,
    ],
    [
      'no leader yet',
      'error',
      entry(
        'Response Metadata(key: 3, version: 6)',
        'There is no leader for this topic-partition as we are in the middle of a leadership election',
      ),
      'info',
      /partition leader/,
    ],
    [
      'a partition not served yet',
      'error',
      entry('Response Fetch(key: 1, version: 11)', 'This server does not host this topic-partition'),
      'info',
      /not served yet/,
    ],
    [
      'topics created by a racing service',
      'error',
      entry('Response CreateTopics(key: 19, version: 3)', 'Topic creation errors'),
      'debug',
      /another service created the topics/,
    ],
    [
      'the admin client giving up on existing topics',
      'warn',
      entry('Could not create topics', 'Topic with this name already exists'),
      'debug',
      /another service created the topics/,
    ],
    [
      'a rebalance',
      'warn',
      entry('The group is rebalancing, re-joining', 'The group is rebalancing, so a rejoin is needed'),
      'info',
      /rebalancing/,
    ],
    [
      'a member the coordinator forgot',
      'error',
      entry(
        'The coordinator is not aware of this member, re-joining the group',
        'The coordinator is not aware of this member',
      ),
      'info',
      /rebalancing/,
    ],
  ];

  it.each(cases)('logs %s as a transient condition', (_name, level, input, expected, explanation) => {
    const line = describeKafkaLog(level, input);
    expect(line.level).toBe(expected);
    expect(line.message).toMatch(explanation);
    expect(line.fields).toMatchObject({ kafkajs: input.message, transient: true, broker: '127.0.0.1:9092' });
    expect(line.transient).toEqual(expect.any(String));
  });

  it.each<[string, KafkaLogLevel, ReturnType<typeof entry>]>([
    [
      'a failed authentication',
      'error',
      entry(
        'SASL SCRAM SHA256 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
      ),
    ],
    ['a refused connection', 'error', entry('Connection error: connect ECONNREFUSED 127.0.0.1:9092')],
    ['an unknown warning', 'warn', entry('Response without match')],
  ])('keeps %s as it was', (_name, level, input) => {
    const { message, ...fields } = input;
    expect(describeKafkaLog(level, input)).toEqual({ level, message, fields });
  });

  it.each([
    [
      'a crashed consumer',
      entry('Crash: KafkaJSNumberOfRetriesExceeded: The request timed out', 'The request timed out'),
    ],
    [
      'a consumer that gave up on a loading coordinator',
      entry(
        "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests for this group",
        "The coordinator is loading and hence can't process requests for this group",
      ),
    ],
  ])('lowers kafkajs’s own line for %s to debug: the consumer logs the crash itself', (_name, input) => {
    const line = describeKafkaLog('error', input);
    expect(line.level).toBe('debug');
    expect(line.message).toBe(`kafkajs: ${input.message}`);
  });

  it('leaves info and debug lines alone even when they mention a transient condition', () => {
    const input = entry('Response GroupCoordinator(key: 10, version: 2)', 'The group coordinator is not available');
    expect(describeKafkaLog('debug', input).level).toBe('debug');
    expect(describeKafkaLog('debug', input).message).toBe(input.message);
  });
});

describe('describeConsumerCrash', () => {
  const loading = "The coordinator is loading and hence can't process requests.";

  it('warns with what it is while a loading coordinator crashes the first joins', () => {
    for (let restarts = 0; restarts < TRANSIENT_CRASHES_BEFORE_ERROR; restarts++) {
      const crash = describeConsumerCrash(loading, restarts);
      expect(crash).toEqual({
        level: 'warn',
        message: expect.stringMatching(/^consumer restarting: Kafka is still loading its group coordinator/),
        transient: 'coordinator-loading',
      });
    }
  });

  it('is an error once the same condition has come back too many times in a row', () => {
    expect(describeConsumerCrash(loading, TRANSIENT_CRASHES_BEFORE_ERROR)).toEqual({
      level: 'error',
      message: 'consumer crashed',
    });
  });

  it('is an error at once for anything not known to pass', () => {
    expect(describeConsumerCrash('Connection error: connect ECONNREFUSED 127.0.0.1:9092', 0).level).toBe('error');
    expect(describeConsumerCrash('Topic with this name already exists', 0).level).toBe('error');
    expect(describeConsumerCrash('', 0).level).toBe('error');
  });
});
