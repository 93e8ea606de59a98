import {
  create,
  Direction,
  MessageEventSchema,
  ClassifiedEventSchema,
  EventKind,
  timestampFromMs,
} from '@switchboard/proto';
import { DecodeError, decode, encode } from '../src/codec';
import { TopicNames, Topics } from '../src/topics';

describe('codec', () => {
  it('round-trips an event through protobuf', () => {
    const message = create(MessageEventSchema, {
      eventId: 'e1',
      conversationId: 'c1',
      text: 'héllo 👋',
      direction: Direction.USER,
      team: { id: 't1', name: 'Acme' },
      metadata: { a: 'b' },
      receivedAt: timestampFromMs(1700000000123),
    });
    const classified = create(ClassifiedEventSchema, { message, kind: EventKind.CONVERSATION_STARTED, tags: ['x'] });
    expect(decode(ClassifiedEventSchema, encode(ClassifiedEventSchema, classified))).toEqual(classified);
  });

  it('throws DecodeError on garbage and on empty messages', () => {
    expect(() => decode(MessageEventSchema, Buffer.from([0xff, 0xff, 0xff]))).toThrow(DecodeError);
    expect(() => decode(MessageEventSchema, null)).toThrow('empty message');
  });
});

describe('TopicNames', () => {
  it('prefixes every topic and lists the DLQs', () => {
    const names = new TopicNames('test.');
    expect(names.name(Topics.raw)).toBe('test.conv.raw');
    expect(names.dlq('classified')).toBe('test.conv.classified.dlq');
    expect(names.all()).toEqual([
      'test.conv.raw',
      'test.conv.raw.dlq',
      'test.conv.classified',
      'test.conv.classified.dlq',
      'test.conv.status',
      'test.conv.status.dlq',
      'test.bot.outbound',
      'test.bot.outbound.dlq',
    ]);
  });
});
