// The agreements between services, as each side relies on them: a task's marker reads back as the
// conversation it was written for, and a transcript URL names its conversation whatever characters it has.
import fc from 'fast-check';
import { SLACK_ACTION_IDS, conversationInNotes, conversationMarker, transcriptUrl } from '../src';

const conversationId = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }).filter((id) => !/\s/.test(id));

describe('conversation marker', () => {
  it('reads back the conversation it was written for, wherever the line sits in the notes', () => {
    fc.assert(
      fc.property(
        conversationId,
        fc.array(
          fc.string().map((line) => `> ${line.replace(/\s/g, ' ')}`),
          { maxLength: 4 },
        ),
        (id, quoted) => {
          const notes = [...quoted, 'Live transcript: http://console/x', conversationMarker(id)].join('\n');
          expect(conversationInNotes(notes)).toBe(id);
          expect(conversationInNotes(`${conversationMarker(id)}\n${notes}`)).toBe(id);
        },
      ),
    );
  });

  it('is one exact line: "Switchboard conversation: <id>"', () => {
    expect(conversationMarker('c-42')).toBe('Switchboard conversation: c-42');
  });

  it('finds no conversation in notes without a whole marker line', () => {
    expect(conversationInNotes('')).toBeUndefined();
    expect(conversationInNotes('a task someone made by hand')).toBeUndefined();
    expect(conversationInNotes('Switchboard conversation: ')).toBeUndefined();
    expect(conversationInNotes('Switchboard conversation: two words')).toBeUndefined();
    expect(conversationInNotes('> quoted Switchboard conversation: c1')).toBeUndefined();
  });
});

describe('transcriptUrl', () => {
  it("puts the conversation under the console's base URL, keeping the base's path", () => {
    expect(transcriptUrl('http://localhost:8081/', 'c1')).toBe('http://localhost:8081/console/conversations/c1');
    expect(transcriptUrl('https://ops.example.com/switchboard/', 'c1')).toBe(
      'https://ops.example.com/switchboard/console/conversations/c1',
    );
  });

  it('encodes the id so that any characters stay one path segment', () => {
    expect(transcriptUrl('http://h/', 'a/b?c#d e%f')).toBe('http://h/console/conversations/a%2Fb%3Fc%23d%20e%25f');
    fc.assert(
      // Not '.' or '..': a URL parser reads those as path steps even percent-encoded, so no path can name them.
      fc.property(
        fc.string({ minLength: 1, unit: 'grapheme' }).filter((id) => id !== '.' && id !== '..'),
        (id) => {
          const url = new URL(transcriptUrl('https://ops.example.com/sb/', id));
          expect(url.search).toBe('');
          expect(url.hash).toBe('');
          const segments = url.pathname.split('/');
          expect(segments.slice(0, -1)).toEqual(['', 'sb', 'console', 'conversations']);
          expect(decodeURIComponent(segments[segments.length - 1])).toBe(id);
        },
      ),
    );
  });
});

describe('Slack action ids', () => {
  it('are distinct, so a click names exactly one action', () => {
    const ids = Object.values(SLACK_ACTION_IDS);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
