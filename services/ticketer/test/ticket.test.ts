import { create, ClassifiedEventSchema, Direction, EventKind, Priority } from '@switchboard/proto';
import { commentFor, taskFor } from '../src/ticket';

const event = (text: string) =>
  create(ClassifiedEventSchema, {
    message: { eventId: 'e1', conversationId: 'conv-9', text, platform: 'slack', user: { id: 'u1', name: 'Ann' }, team: { id: 't1', name: 'Acme' }, direction: Direction.USER },
    kind: EventKind.CONVERSATION_STARTED,
    priority: Priority.HIGH,
    tags: ['billing'],
  });

describe('taskFor', () => {
  it('names the task after user, team and first text, and links the transcript', () => {
    const task = taskFor(event('I want a\nrefund'), 'http://console/conv-9');
    expect(task.name).toBe('Ann (Acme): I want a refund');
    expect(task.externalId).toBe('conv-9');
    expect(task.notes).toContain('Priority: high');
    expect(task.notes).toContain('Tags: billing');
    expect(task.notes).toContain('Live transcript: http://console/conv-9');
  });

  it('cuts long names', () => {
    expect(Array.from(taskFor(event('x'.repeat(500)), 'u').name)).toHaveLength(120);
  });
});

describe('commentFor', () => {
  it('says who wrote the message', () => {
    expect(commentFor(event('more'))).toBe('Ann: more');
  });
});
