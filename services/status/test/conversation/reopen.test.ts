// A user writing again on a closed conversation, against a real Kafka and Redis: one REOPENED per message,
// however often the message is delivered or by how many replicas; none for a message that came before the
// close; and the decision, once taken, survives a crash after the summary already says open.
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, ensureTopics, type Delivery } from '@switchboard/bus';
import { connectRedis, createRedis } from '@switchboard/store';
import {
  ClassifiedEventSchema,
  Direction,
  OperatorSchema,
  StatusChange,
  StatusEventSchema,
  create,
  timestampFromMs,
  timestampNow,
} from '@switchboard/proto';
import { OperatorActions } from '../../src/conversation/actions';
import { ConversationIndex } from '../../src/conversation/conversations';
import { HandoffStore } from '../../src/conversation/handoff';
import { OwnerStore } from '../../src/conversation/owner';
import { reopenBatchOnUserMessages, reopenOnUserMessage } from '../../src/conversation/reopen';
import { ReopenStore } from '../../src/conversation/reopen-store';
import { TakeoverStore } from '../../src/conversation/takeover';
import { statusKeys } from '../../src/status-keys';

const brokers = (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',');
const quiet = createLogger({ service: 'reopen-test', level: 'silent' });

jest.setTimeout(60000);

describe('reopening when the user writes again', () => {
  const id = randomUUID().slice(0, 8);
  const names = new TopicNames(`reopen-${id}.`);
  const keys = statusKeys(`reopen-${id}:`);
  const kafka = createKafka({ brokers, clientId: 'reopen-test', logger: quiet });
  const admin = kafka.admin();
  const publisher = new Publisher(kafka, names);
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  const conversations = new ConversationIndex(redis, keys, 3600);
  const actions = new OperatorActions({
    publisher,
    takeovers: new TakeoverStore(redis, keys, 60000, 3600),
    handoffs: new HandoffStore(redis, keys, 30000, 3600),
    conversations,
    owners: new OwnerStore(redis, keys, 3600),
    logger: quiet,
  });
  const reopens = () => new ReopenStore(redis, keys, conversations);
  /** One replica's handler (each replica has its own, sharing Redis). */
  const replica = () => reopenOnUserMessage({ reopens: reopens(), actions });
  /** One replica's batch handler: a fetch at once. */
  const batchReplica = () => reopenBatchOnUserMessages({ reopens: reopens(), actions }, 4);
  const olivia = create(OperatorSchema, { id: 'console:olivia', name: 'Olivia', source: 'console' });

  beforeAll(async () => {
    await connectRedis(redis, quiet);
    await ensureTopics(kafka, names, { partitions: 1, replicationFactor: 1 });
    await admin.connect();
    await publisher.connect();
  });
  afterAll(async () => {
    await publisher.disconnect();
    await admin.disconnect();
    await redis.quit();
  });

  const published = async () =>
    (await admin.fetchTopicOffsets(names.name(Topics.status))).reduce((sum, p) => sum + Number(p.high), 0);
  const delivery = (conversationId: string, eventId: string, receivedMs = Date.now()) =>
    ({
      event: create(ClassifiedEventSchema, {
        message: {
          eventId,
          conversationId,
          direction: Direction.USER,
          text: 'one more thing',
          receivedAt: timestampFromMs(receivedMs),
        },
      }),
      topic: names.name(Topics.classified),
      partition: 0,
      offset: '0',
      key: conversationId,
      log: quiet,
    }) as Delivery<typeof ClassifiedEventSchema>;
  async function closed(conversationId: string): Promise<void> {
    await actions.act({
      conversationId,
      change: StatusChange.CLOSED,
      actor: olivia,
      eventId: `${conversationId}:close`,
    });
    expect((await conversations.get(conversationId))?.closed).toBe(true);
  }

  it('publishes one REOPENED for a message delivered again and seen by two replicas, and opens the summary', async () => {
    await closed('c-again');
    const before = await published();
    const message = delivery('c-again', 'bot:m1');
    await replica()(message);
    await replica()(message); // a redelivery
    await replica()(message); // another replica after a rebalance
    expect(await published()).toBe(before + 1);
    expect((await conversations.get('c-again'))?.closed).toBe(false);
    // The next message on the open conversation reopens nothing.
    await replica()(delivery('c-again', 'bot:m2'));
    expect(await published()).toBe(before + 1);
  });

  it('reopens nothing for a message ingress received before the close', async () => {
    const receivedBefore = Date.now() - 60000;
    await closed('c-late');
    const before = await published();
    await replica()(delivery('c-late', 'bot:m3', receivedBefore));
    expect(await published()).toBe(before);
    expect((await conversations.get('c-late'))?.closed).toBe(true);
  });

  it('still publishes once decided, after a crash that left the summary open', async () => {
    await closed('c-crash');
    const before = await published();
    await reopens().markDecided('bot:m4');
    await conversations.recordStatus(
      create(StatusEventSchema, { conversationId: 'c-crash', change: StatusChange.REOPENED, at: timestampNow() }),
    );
    await replica()(delivery('c-crash', 'bot:m4'));
    expect(await published()).toBe(before + 1);
  });

  it('decides a fetch in one read: one REOPENED per closed conversation, and a decided one published', async () => {
    await closed('c-fetch-1');
    await closed('c-fetch-2');
    await reopens().markDecided('bot:m7');
    const before = await published();
    const fetch = [
      delivery('c-fetch-1', 'bot:m5'),
      delivery('c-fetch-open', 'bot:m6'),
      delivery('c-fetch-1', 'bot:m8'), // finds it open: the first message reopened it
      delivery('c-fetch-open', 'bot:m7'), // decided before a crash: published
      delivery('c-fetch-2', 'bot:m9'),
    ];
    await batchReplica()(fetch, { live: () => true });
    expect(await published()).toBe(before + 3);
    expect((await conversations.get('c-fetch-1'))?.closed).toBe(false);
    expect((await conversations.get('c-fetch-2'))?.closed).toBe(false);
    // The fetch again (a redelivery), and a fetch on open conversations only: nothing more.
    await batchReplica()(fetch, { live: () => true });
    await batchReplica()([delivery('c-fetch-1', 'bot:m10'), delivery('c-fetch-open', 'bot:m11')], { live: () => true });
    expect(await published()).toBe(before + 3);
  });
});
