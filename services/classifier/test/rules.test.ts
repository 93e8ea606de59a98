import { Direction, EventKind, Priority } from '@switchboard/proto';
import { classify, defaultRules, keywordPattern, normalise, type Rules } from '../src/rules';
import { kindFrom } from '../src/conversation';

const rules: Rules = {
  ...defaultRules,
  keywordRules: [
    { name: 'refund', keywords: ['refund', 'money back'], patterns: [], priority: Priority.HIGH, tags: ['billing'] },
    { name: 'legal', keywords: ['lawyer'], patterns: [/\bsue\b/u], priority: Priority.URGENT, tags: ['legal'] },
    { name: 'price', keywords: ['prix'], patterns: [], priority: Priority.HIGH, tags: ['pricing'] },
  ],
  denyTeams: new Set(['spam-team']),
  allowUsers: new Set(['vip']),
};

const user = (text: string, over: Partial<{ teamId: string; userId: string; direction: Direction }> = {}) => ({
  text,
  direction: Direction.USER,
  teamId: 't1',
  userId: 'u1',
  ...over,
});

describe('classify', () => {
  it.each([
    ['I want a refund', Priority.HIGH, ['refund'], ['billing']],
    ['REFUND please', Priority.HIGH, ['refund'], ['billing']],
    ['give me my money  back', Priority.NORMAL, [], []],
    ['give me my money back', Priority.HIGH, ['refund'], ['billing']],
    ['refunded already', Priority.NORMAL, [], []],
    ['my lawyer will sue you', Priority.URGENT, ['refund', 'legal'].slice(1), ['legal']],
    ['le PRÎX a changé', Priority.HIGH, ['price'], ['pricing']],
    ['hello 👋 refund🙂', Priority.HIGH, ['refund'], ['billing']],
    ['', Priority.NORMAL, [], []],
  ])('%j → priority %s', (text, priority, matched, tags) => {
    const verdict = classify(user(text), rules);
    expect(verdict.priority).toBe(priority);
    expect(verdict.matchedRules).toEqual(matched);
    expect(verdict.tags).toEqual(tags);
  });

  it('tags bot messages but never raises their priority', () => {
    const verdict = classify(user('refund processed', { direction: Direction.BOT }), rules);
    expect(verdict.matchedRules).toEqual(['refund']);
    expect(verdict.priority).toBe(Priority.NORMAL);
  });

  it('denies deny-listed teams, except allow-listed users', () => {
    expect(classify(user('hi', { teamId: 'spam-team' }), rules)).toMatchObject({
      denied: true,
      deniedReason: 'team deny-listed',
    });
    expect(classify(user('hi', { teamId: 'spam-team', userId: 'vip' }), rules).denied).toBe(false);
  });

  it('matches only the first maxMatchLength characters of very long text', () => {
    const long = 'a '.repeat(10000) + 'refund';
    expect(classify(user(long), rules).matchedRules).toEqual([]);
    expect(classify(user('refund ' + long), rules).matchedRules).toEqual(['refund']);
  });
});

describe('normalise and keywordPattern', () => {
  it('drops accents and case', () => {
    expect(normalise('Crème BRÛLÉE')).toBe('creme brulee');
  });

  it('matches whole words in any script', () => {
    expect(keywordPattern('кот').test('мой кот спит')).toBe(true);
    expect(keywordPattern('кот').test('котёнок')).toBe(false);
    expect(keywordPattern('c++').test('i love c++ a lot')).toBe(true);
  });
});

describe('kindFrom', () => {
  it('is started for the event that claimed the start, even when redelivered', () => {
    expect(kindFrom('e1', 'e1', 1000, 1000, 60000)).toBe(EventKind.CONVERSATION_STARTED);
  });

  it('is resumed after the silence, message otherwise', () => {
    expect(kindFrom('e1', 'e2', 0, 60000, 60000)).toBe(EventKind.CONVERSATION_RESUMED);
    expect(kindFrom('e1', 'e2', 1000, 60000, 60000)).toBe(EventKind.MESSAGE);
  });
});
