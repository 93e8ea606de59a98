// Conversation kinds from state in a real Redis, shared by replicas.
import { randomUUID } from 'node:crypto';
import { EventKind } from '@switchboard/proto';
import { createLogger } from '@switchboard/core';
import { connectRedis, createKeys, createRedis } from '@switchboard/store';
import { redisConversationTracker } from '../src/conversation';

const quiet = createLogger({ service: 'test', level: 'silent' });

describe('redisConversationTracker', () => {
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://localhost:6379', quiet);
  const keys = createKeys(`conv-${randomUUID().slice(0, 8)}:`);
  beforeAll(() => connectRedis(redis, quiet));
  afterAll(() => redis.quit());

  it('starts a conversation once, even for two replicas racing, and recognises a redelivered start', async () => {
    const replicaA = redisConversationTracker(redis, keys, 60000);
    const replicaB = redisConversationTracker(redis, keys, 60000);
    const [a, b] = await Promise.all([
      replicaA.kindsOf([{ conversationId: 'c1', eventId: 'e1', atMs: 1000 }]),
      replicaB.kindsOf([{ conversationId: 'c1', eventId: 'e2', atMs: 1001 }]),
    ]);
    expect([...a, ...b].filter((k) => k === EventKind.CONVERSATION_STARTED)).toHaveLength(1);
    const starter = a[0] === EventKind.CONVERSATION_STARTED ? 'e1' : 'e2';
    expect(await replicaA.kindsOf([{ conversationId: 'c1', eventId: starter, atMs: 1002 }])).toEqual([
      EventKind.CONVERSATION_STARTED,
    ]);
  });

  it('sees the events of one batch in order, and a resumption after the silence', async () => {
    const tracker = redisConversationTracker(redis, keys, 60000);
    const kinds = await tracker.kindsOf([
      { conversationId: 'c2', eventId: 'x1', atMs: 0 },
      { conversationId: 'c2', eventId: 'x2', atMs: 1000 },
      { conversationId: 'c3', eventId: 'y1', atMs: 1000 },
      { conversationId: 'c2', eventId: 'x3', atMs: 70000 },
    ]);
    expect(kinds).toEqual([
      EventKind.CONVERSATION_STARTED,
      EventKind.MESSAGE,
      EventKind.CONVERSATION_STARTED,
      EventKind.CONVERSATION_RESUMED,
    ]);
  });
});
