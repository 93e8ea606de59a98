// The recorders on the real Redis: what a fetch of messages, a status change and an operator message leave
// in Redis (transcript lines once, summaries, timelines, deliveries, their lifetimes), the facts they measure
// once, and the live updates the consoles get, in order, after the writes; a redelivery adds nothing.
import { randomUUID } from 'node:crypto';
import { createLogger, createMetrics } from '@switchboard/core';
import type { Delivery } from '@switchboard/bus';
import {
  ClassifiedEventSchema,
  Direction,
  OperatorMessageSchema,
  OperatorSchema,
  Priority,
  StatusChange,
  StatusEventSchema,
  create,
  timestampFromMs,
  type ClassifiedEvent,
  type OperatorMessage,
  type StatusEvent,
} from '@switchboard/proto';
import { connectRedis, createRedis, type Redis } from '@switchboard/store';
import { ConversationIndex } from '../../src/conversation/conversations';
import { DeliveryLog } from '../../src/conversation/delivery-log';
import { LiveHub, type LiveUpdate } from '../../src/conversation/live';
import {
  classifiedBatchRecorder,
  classifiedRecorder,
  outboundRecorder,
  statusRecorder,
  type RecorderDeps,
} from '../../src/conversation/record';
import { RecordStore, type RecordStores } from '../../src/conversation/record-store';
import type { Fact } from '../../src/conversation/timeline';
import { TimelineStore } from '../../src/conversation/timeline-store';
import { TranscriptStore } from '../../src/conversation/transcript';
import { statusKeys } from '../../src/status-keys';

const quiet = createLogger({ service: 'record-test', level: 'silent' });
const RETENTION = 3600;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const olga = create(OperatorSchema, { id: 'console:olga', name: 'Olga', source: 'console' });

const message = (conversationId: string, eventId: string, at: number, text = `text of ${eventId}`) =>
  create(ClassifiedEventSchema, {
    message: {
      eventId,
      conversationId,
      direction: Direction.USER,
      text,
      platform: 'web',
      user: { id: 'U1', name: 'Ann' },
      team: { id: 'T1', name: 'Acme' },
      sentAt: timestampFromMs(at),
    },
    priority: Priority.HIGH,
    tags: [`tag-${eventId}`],
  });
const statusChange = (conversationId: string, eventId: string, change: StatusChange, at: number) =>
  create(StatusEventSchema, { conversationId, eventId, change, actor: olga, at: timestampFromMs(at) });
const operatorMessage = (conversationId: string, eventId: string, at: number) =>
  create(OperatorMessageSchema, {
    conversationId,
    eventId,
    operator: olga,
    text: 'hello',
    sentAt: timestampFromMs(at),
  });
const delivered = <E>(event: E) =>
  ({ event, topic: 't', partition: 0, offset: '0', key: null, log: quiet }) as unknown as Delivery<never>;
const asDelivery = {
  classified: (event: ClassifiedEvent) => delivered(event) as Delivery<typeof ClassifiedEventSchema>,
  status: (event: StatusEvent) => delivered(event) as Delivery<typeof StatusEventSchema>,
  outbound: (event: OperatorMessage) => delivered(event) as Delivery<typeof OperatorMessageSchema>,
};

describe('recording events for the console', () => {
  let redis: Redis;
  let live: LiveHub;
  const keys = statusKeys(`rec${randomUUID().slice(0, 8)}:`);
  const updates: LiveUpdate[] = [];
  const facts: Fact[] = [];
  let stores: RecordStores;
  let deps: RecorderDeps;

  /** The live updates heard since the last call, once a marker published after them has come through. */
  async function heard(): Promise<LiveUpdate[]> {
    const marker = randomUUID();
    const [channel, text] = live.updateStep({
      type: 'delivery',
      conversationId: 'marker',
      eventId: marker,
      delivery: '',
    }).args;
    await redis.publish(channel, text);
    for (let i = 0; i < 200 && !updates.some((u) => u.type === 'delivery' && u.eventId === marker); i++)
      await new Promise((r) => setTimeout(r, 10));
    return updates.splice(0).filter((u) => u.conversationId !== 'marker');
  }
  const described = (list: LiveUpdate[]) =>
    list.map((u) =>
      u.type === 'entry'
        ? `entry ${u.conversationId} ${u.entry.eventId}`
        : u.type === 'summary'
          ? `summary ${u.conversationId} ${u.summary.messages}`
          : `delivery ${u.conversationId} ${u.eventId} ${u.delivery}`,
    );
  const recorded = () => facts.splice(0).map((f) => `${f.fact}:${f.priority}:${f.seconds}`);
  const lifetime = async (key: string) => {
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(RETENTION - 60);
    expect(ttl).toBeLessThanOrEqual(RETENTION);
  };

  /** One replica's stores (each replica has its own connection). */
  const storesOn = (connection: Redis): RecordStores => ({
    transcripts: new TranscriptStore(connection, keys, 100, RETENTION),
    conversations: new ConversationIndex(connection, keys, RETENTION),
    timelines: new TimelineStore(connection, keys, RETENTION),
    deliveries: new DeliveryLog(connection, keys, live, RETENTION),
    live,
  });

  beforeAll(async () => {
    redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(redis, quiet);
    live = new LiveHub(redis, keys, quiet);
    await live.start();
    live.listen('*', (update) => updates.push(update));
    stores = storesOn(redis);
    deps = {
      records: new RecordStore(redis, stores),
      metrics: createMetrics('record-test'),
      webhook: false,
      triage: { observe: (observed) => facts.push(...observed) },
    };
  });
  afterAll(async () => {
    await live.stop();
    redis.disconnect();
  });

  it('records a fetch of messages: each line once, summaries and timelines folded in order, then pushed', async () => {
    // A review known before the messages: the first message completes the fact.
    await statusRecorder(deps)(asDelivery.status(statusChange('b-1', 'b-1-r', StatusChange.REVIEWED, T0 + 45_000)));
    await heard();
    const batch = [
      message('b-1', 'm1', T0),
      message('b-2', 'm2', T0 + 5_000),
      message('b-1', 'm3', T0 + 10_000, 'the last one'),
    ].map(asDelivery.classified);
    await classifiedBatchRecorder(deps)(batch);
    expect(described(await heard())).toEqual([
      'entry b-1 m1',
      'entry b-2 m2',
      'entry b-1 m3',
      'summary b-1 2',
      'summary b-2 1',
    ]);
    expect(recorded()).toEqual(['review:high:45']);
    expect((await stores.transcripts.read('b-1')).map((e) => e.eventId)).toEqual(['b-1-r', 'm1', 'm3']);
    expect(await stores.conversations.get('b-1')).toMatchObject({
      messages: 2,
      lastText: 'the last one',
      priority: 'high',
      tags: ['tag-m1', 'tag-m3'],
      reviewedBy: 'Olga',
      startedAt: new Date(T0).toISOString(),
      userName: 'Ann',
    });
    expect(await stores.timelines.get('b-1')).toMatchObject({
      startedAt: String(T0),
      lastUserAt: String(T0 + 10_000),
      reviewedAt: String(T0 + 45_000),
      priority: 'high',
    });
    expect(await redis.zscore(keys.timelinesByStart(), 'b-2')).toBe(String(T0 + 5_000));
    expect(await redis.zscore(keys.timelineOpen('reviewed', 'high'), 'b-1')).toBe(String(T0));
    expect(await redis.zscore(keys.timelineOpen('unreviewed', 'high'), 'b-2')).toBe(String(T0 + 5_000));
    expect(await redis.zscore(keys.consoleConversations(), 'b-2')).not.toBeNull();
    for (const id of ['b-1', 'b-2']) {
      await lifetime(keys.transcript(id));
      await lifetime(keys.transcriptIds(id));
      await lifetime(keys.consoleConversation(id));
    }

    // The same fetch again (a redelivery): no line twice, no message counted twice, nothing measured or pushed.
    await classifiedBatchRecorder(deps)(batch);
    expect(await heard()).toEqual([]);
    expect(recorded()).toEqual([]);
    expect((await stores.transcripts.read('b-1')).map((e) => e.eventId)).toEqual(['b-1-r', 'm1', 'm3']);
    expect((await stores.conversations.get('b-1'))?.messages).toBe(2);
  });

  // (One partition's fetch is one consumer's at a time: the summaries' read-then-write relies on it; the
  // timelines, also written from conv.status and bot.outbound, do not.)
  it('measures each fact once when two replicas record the same fetch at once', async () => {
    const other = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
    await connectRedis(other, quiet);
    try {
      const replica = { ...deps, records: new RecordStore(other, storesOn(other)) };
      await statusRecorder(deps)(asDelivery.status(statusChange('r-1', 'r-1-r', StatusChange.REVIEWED, T0 + 20_000)));
      const batch = [message('r-1', 'r1', T0), message('r-1', 'r2', T0 + 1)].map(asDelivery.classified);
      await Promise.all([classifiedBatchRecorder(deps)(batch), classifiedBatchRecorder(replica)(batch)]);
      expect(recorded()).toEqual(['review:high:20']);
      expect(await stores.timelines.get('r-1')).toMatchObject({ startedAt: String(T0), lastUserAt: String(T0 + 1) });
    } finally {
      other.disconnect();
    }
    await heard();
  });

  it('records one message as a fetch of one', async () => {
    await classifiedRecorder(deps)(asDelivery.classified(message('s-1', 'm4', T0)));
    expect(described(await heard())).toEqual(['entry s-1 m4', 'summary s-1 1']);
    expect(await stores.timelines.get('s-1')).toMatchObject({ startedAt: String(T0) });
    await classifiedRecorder(deps)(asDelivery.classified(message('s-1', 'm4', T0)));
    expect(await heard()).toEqual([]);
    expect((await stores.conversations.get('s-1'))?.messages).toBe(1);
  });

  it('records a status change: its line, then the summary, pushed in that order; measured once', async () => {
    await classifiedRecorder(deps)(asDelivery.classified(message('st-1', 'm5', T0)));
    await heard();
    const review = asDelivery.status(statusChange('st-1', 'st-1-r', StatusChange.REVIEWED, T0 + 30_000));
    await statusRecorder(deps)(review);
    const [entry, summary] = await heard();
    expect(entry).toMatchObject({
      type: 'entry',
      conversationId: 'st-1',
      entry: { eventId: 'st-1-r', from: 'status', author: 'Olga', text: 'Olga marked it reviewed' },
    });
    expect(summary).toMatchObject({ type: 'summary', summary: { id: 'st-1', reviewedBy: 'Olga', messages: 1 } });
    expect(recorded()).toEqual(['review:high:30']);
    expect(await stores.timelines.get('st-1')).toMatchObject({ reviewedAt: String(T0 + 30_000), reviewedBy: 'Olga' });
    expect(await redis.sismember(keys.timelineApplied('st-1'), 'st-1-r')).toBe(1);
    await lifetime(keys.timelineApplied('st-1'));
    await lifetime(keys.consoleConversation('st-1'));
    // Again: the line is there already; the summary is pushed again (it may have been missed), nothing measured.
    await statusRecorder(deps)(review);
    expect(described(await heard())).toEqual(['summary st-1 1']);
    expect(recorded()).toEqual([]);
    expect((await stores.transcripts.read('st-1')).map((e) => e.eventId)).toEqual(['m5', 'st-1-r']);
  });

  it('keeps a status change of a conversation not seen yet, and a note changes no summary', async () => {
    await statusRecorder(deps)(asDelivery.status(statusChange('st-2', 'st-2-c', StatusChange.CLOSED, T0)));
    expect(await heard()).toMatchObject([
      { type: 'entry', entry: { eventId: 'st-2-c' } },
      { type: 'summary', summary: { id: 'st-2', closed: true, messages: 0 } },
    ]);
    const note = create(StatusEventSchema, {
      conversationId: 'st-3',
      eventId: 'st-3-n',
      change: StatusChange.NOTE,
      note: 'call back tomorrow',
      actor: olga,
      at: timestampFromMs(T0),
    });
    await statusRecorder(deps)(asDelivery.status(note));
    expect(await heard()).toMatchObject([{ type: 'entry', entry: { from: 'note', text: 'call back tomorrow' } }]);
    expect(await stores.conversations.get('st-3')).toBeNull();
  });

  it("records an operator message: its delivery's state, then its line, pushed in that order", async () => {
    await classifiedRecorder(deps)(asDelivery.classified(message('o-1', 'm6', T0)));
    await heard();
    const reply = asDelivery.outbound(operatorMessage('o-1', 'o-1-a', T0 + 20_000));
    await outboundRecorder(deps)(reply);
    expect(described(await heard())).toEqual(['delivery o-1 o-1-a sent to the bot on bot.outbound', 'entry o-1 o-1-a']);
    expect(recorded()).toEqual(['first_human_reply:high:20']);
    expect(await stores.deliveries.get('o-1', 'o-1-a')).toMatchObject({ state: 'on_kafka', attempts: 0 });
    await lifetime(keys.botDelivery('o-1'));
    expect(await stores.timelines.get('o-1')).toMatchObject({ firstHumanReplyAt: String(T0 + 20_000) });
    // Again: nothing new, nothing pushed; a later state is not overwritten by the first one.
    await stores.deliveries.delivered('o-1', 'o-1-a', 1);
    expect(described(await heard())).toEqual(['delivery o-1 o-1-a delivered to the bot']);
    await outboundRecorder(deps)(reply);
    expect(await heard()).toEqual([]);
    expect(recorded()).toEqual([]);
    expect(await stores.deliveries.get('o-1', 'o-1-a')).toMatchObject({ state: 'delivered', attempts: 1 });
    // With the bot's webhook, a new message waits for it.
    await outboundRecorder({ ...deps, webhook: true })(
      asDelivery.outbound(operatorMessage('o-1', 'o-1-b', T0 + 30_000)),
    );
    expect(described(await heard())).toEqual(['delivery o-1 o-1-b delivering to the bot…', 'entry o-1 o-1-b']);
    expect(recorded()).toEqual([]);
  });
});
