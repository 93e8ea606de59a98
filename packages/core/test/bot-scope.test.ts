// The bot scope of ids: what ingress writes (bot:id) and what a bot gets back (its own id), for any id.
import fc from 'fast-check';
import { botOfId, idWithinBot, parseApiKeys, scopeId, unscopeId } from '../src';

describe('bot-scoped ids', () => {
  it('prefixes the id with the bot and a colon', () => {
    expect(scopeId('bot-a', 'c1')).toBe('bot-a:c1');
    expect(scopeId('bot-a', '')).toBe('bot-a:');
  });

  it('gives back the bot and its own id, even an id that holds colons', () => {
    expect(unscopeId('bot-a:c1')).toEqual({ bot: 'bot-a', id: 'c1' });
    expect(unscopeId('bot-a:ms:conv:1:incoming')).toEqual({ bot: 'bot-a', id: 'ms:conv:1:incoming' });
    expect(unscopeId('bot-a:')).toEqual({ bot: 'bot-a', id: '' });
  });

  it('never gives two bots the same scoped id for the same id', () => {
    expect(scopeId('bot-a', 'c1')).not.toBe(scopeId('bot-b', 'c1'));
    // Without the colon rule "a" + "b:c" and "a:b" + "c" would meet.
    expect(scopeId('a', 'b:c')).toBe('a:b:c');
    expect(() => scopeId('a:b', 'c')).toThrow("contain no ':'");
  });

  it('round-trips every id of every bot name an API key can have', () => {
    const botName = fc.string({ minLength: 1 }).filter((s) => !s.includes(':'));
    fc.assert(
      fc.property(botName, fc.string(), (bot, id) => {
        expect(unscopeId(scopeId(bot, id))).toEqual({ bot, id });
      }),
    );
  });

  it('names the bot of a scoped id, and no bot for an id from before scoping', () => {
    expect(botOfId('bot-a:c1')).toBe('bot-a');
    expect(botOfId('bot-a:x:y')).toBe('bot-a');
    expect(botOfId('c1')).toBe('');
    expect(botOfId(':c1')).toBe('');
  });

  it("strips a known bot's scope and leaves an id from before scoping as it was", () => {
    expect(idWithinBot('bot-a', 'bot-a:c1')).toBe('c1');
    expect(idWithinBot('bot-a', 'bot-a:x:y')).toBe('x:y');
    expect(idWithinBot('bot-a', 'c1')).toBe('c1');
    expect(idWithinBot('bot-a', 'bot-ab:c1')).toBe('bot-ab:c1');
    expect(idWithinBot('', 'bot-a:c1')).toBe('bot-a:c1');
  });

  it('refuses a bot name that is empty and a string no scopeId made', () => {
    expect(() => scopeId('', 'c1')).toThrow('non-empty');
    expect(() => unscopeId('c1')).toThrow('not a bot-scoped id');
    expect(() => unscopeId(':c1')).toThrow('not a bot-scoped id');
  });

  it('API key names end at the first colon, so no key name can hold one', () => {
    const [key] = parseApiKeys(['bot-a:b:0123456789abcdef']);
    expect(key.name).toBe('bot-a');
    expect(() => parseApiKeys([':0123456789abcdef'])).toThrow("the name cannot contain ':'");
  });
});
