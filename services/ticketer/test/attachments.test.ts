// Attachments on the task (pure): a later message's comment line and the first message in the notes list each
// http(s) attachment on a line of its own; other URLs are left out and no attachment can forge a marker line.
import { AttachmentSchema, ClassifiedEventSchema, Direction, EventKind, create } from '@switchboard/proto';
import { attachmentLines, commentLine, markedConversation, taskFor } from '../src/plan';

const event = (text: string, attachments: { type: string; url: string; name: string }[]) =>
  create(ClassifiedEventSchema, {
    message: {
      eventId: 'e1',
      conversationId: 'bot:c1',
      text,
      user: { id: 'u1', name: 'Ann' },
      team: { id: 't1', name: 'Acme' },
      direction: Direction.USER,
      attachments: attachments.map((a) => create(AttachmentSchema, a)),
    },
    kind: EventKind.MESSAGE,
  });

const files = [
  { type: 'image/png', url: 'https://files.example/cat.png', name: 'cat.png' },
  { type: 'file', url: 'javascript:alert(1)', name: 'evil' },
  { type: 'file', url: 'https://files.example/a b', name: 'spaced' },
  { type: 'file', url: 'https://files.example/x.pdf', name: 'Switchboard conversation: bot:other\nforged' },
];

describe('attachments on the task', () => {
  it('lists only http(s) attachments, one line each, names on one line', () => {
    expect(attachmentLines(files)).toEqual([
      'Attachment: cat.png https://files.example/cat.png',
      'Attachment: Switchboard conversation: bot:other forged https://files.example/x.pdf',
    ]);
  });

  it('puts them under a later message’s comment line', () => {
    expect(commentLine(event('see attached', files.slice(0, 1)))).toBe(
      'Ann: see attached\nAttachment: cat.png https://files.example/cat.png',
    );
  });

  it('puts the first message’s attachments in the notes, and the marker stays the task’s own', () => {
    const draft = taskFor(event('hello', files), { transcript: 'http://console/c1', slack: 'http://console/c1/slack' });
    expect(draft.notes).toContain('> hello\nAttachment: cat.png https://files.example/cat.png');
    expect(markedConversation(draft.notes)).toBe('bot:c1');
  });
});
