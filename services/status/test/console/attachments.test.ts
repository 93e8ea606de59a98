// Attachments in the console transcript (pure): kept with the message's entry, shown escaped, and only http(s)
// URLs become links (a javascript: URL stays text).
import { AttachmentSchema, ClassifiedEventSchema, Direction, EventKind, create } from '@switchboard/proto';
import { transcriptEntry } from '../../src/conversation/record';
import { entryItem } from '../../src/console/console-html';

describe('attachments in the transcript', () => {
  const event = create(ClassifiedEventSchema, {
    message: {
      eventId: 'e1',
      conversationId: 'bot:c1',
      text: 'see these',
      user: { id: 'u1', name: 'Ann' },
      direction: Direction.USER,
      attachments: [
        create(AttachmentSchema, {
          type: 'image/png',
          url: 'https://files.example/cat.png?a=1&b=2',
          name: '<b>cat</b>',
        }),
        create(AttachmentSchema, { type: 'file', url: 'javascript:alert(1)', name: 'evil' }),
      ],
    },
    kind: EventKind.MESSAGE,
  });

  it('keeps them with the entry and shows them, links only for http(s)', () => {
    const entry = transcriptEntry(event);
    expect(entry.attachments).toEqual([
      { name: '<b>cat</b>', url: 'https://files.example/cat.png?a=1&b=2', type: 'image/png' },
      { name: 'evil', url: 'javascript:alert(1)', type: 'file' },
    ]);
    const html = entryItem(entry);
    expect(html).toContain(
      '<a href="https://files.example/cat.png?a=1&amp;b=2" rel="noopener noreferrer nofollow" target="_blank">&lt;b&gt;cat&lt;/b&gt;</a>',
    );
    expect(html).toContain('<li>evil (javascript:alert(1))</li>');
    expect(html).not.toContain('href="javascript');
  });

  it('adds nothing for a message without attachments', () => {
    const plain = create(ClassifiedEventSchema, { message: { eventId: 'e2', text: 'hi' }, kind: EventKind.MESSAGE });
    expect(transcriptEntry(plain).attachments).toBeUndefined();
    expect(entryItem(transcriptEntry(plain))).not.toContain('attachments');
  });
});
