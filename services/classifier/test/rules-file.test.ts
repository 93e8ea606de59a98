import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Direction, Priority } from '@switchboard/proto';
import { parseRulesFile, RulesFileError, unsafePattern } from '../src/rules-file';
import { classify, defaultRules } from '../src/rules';

function problemsOf(text: string): string[] {
  try {
    parseRulesFile(text, 'rules.yaml');
  } catch (err) {
    if (err instanceof RulesFileError) return err.problems;
    throw err;
  }
  throw new Error('accepted');
}

describe('parseRulesFile', () => {
  it('reads the commented example shipped in the repository', () => {
    const rules = parseRulesFile(readFileSync(join(__dirname, '..', 'rules.example.yaml'), 'utf8'));
    expect(rules.keywordRules.map((r) => r.name)).toEqual(['refund', 'price-change', 'legal', 'human-please']);
    const verdict = classify(
      { text: 'I will SUE you, my lawyer says', direction: Direction.USER, teamId: 't', userId: 'u' },
      rules,
    );
    expect(verdict.priority).toBe(Priority.URGENT);
    expect(verdict.tags).toEqual(['legal']);
    expect(
      classify({ text: 'Je veux un Rémboursement', direction: Direction.USER, teamId: 't', userId: 'u' }, rules)
        .matchedRules,
    ).toEqual(['refund']);
  });

  it('treats an empty file as the defaults', () => {
    expect(parseRulesFile('')).toBe(defaultRules);
  });

  it('reads lists, defaults and priorities', () => {
    const rules = parseRulesFile(
      [
        'defaults: {priority: low, max_match_length: 100}',
        'rules:',
        '  - {name: a, keywords: [x], tags: [t]}',
        'teams: {deny: [T1]}',
        'users: {allow: [U9]}',
      ].join('\n'),
    );
    expect(rules.defaultPriority).toBe(Priority.LOW);
    expect(rules.maxMatchLength).toBe(100);
    expect(rules.keywordRules[0]).toMatchObject({ name: 'a', keywords: ['x'], priority: Priority.LOW, tags: ['t'] });
    expect([...rules.denyTeams]).toEqual(['T1']);
    expect([...rules.allowUsers]).toEqual(['U9']);
  });

  it.each([
    [
      'rules:\n  - name: a\n    keywords: [x]\n    priority: huge\n',
      'rules.yaml:4:15: rules[0].priority must be one of low, normal, high, urgent, got "huge"',
    ],
    ['rules:\n  - name: a\n', 'rules.yaml:2:5: rules[0] ("a") needs keywords or patterns'],
    ['rules:\n  - keywords: [x]\n', 'rules.yaml:2:5: rules[0] needs a name'],
    ['rules:\n  - {name: a, keywords: [x]}\n  - {name: a, keywords: [y]}\n', 'rule name "a" is used twice'],
    ['rules:\n  - name: a\n    patterns: ["(a+)+"]\n', 'rules.yaml:3:16: pattern /(a+)+/ repeats a group'],
    ['rules:\n  - name: a\n    patterns: ["[unclosed"]\n', 'is not a valid regular expression'],
    ['colour: red\n', 'rules.yaml:1:1: unknown section "colour"'],
    ['rules:\n  - {name: a, keywords: [x], prio: high}\n', 'unknown field of rules[0] "prio"'],
    ['rules: {a: 1}\n', 'rules must be a list'],
    ['teams: {deny: T1}\n', 'teams.deny must be a list'],
    ['defaults: {max_match_length: -5}\n', 'max_match_length must be a whole number'],
    ['rules: [\n', 'rules.yaml:'],
  ])('refuses %j with line and problem', (text, problem) => {
    expect(problemsOf(text).join('\n')).toContain(problem);
  });
});

describe('unsafePattern', () => {
  it.each(['(a+)+', '(a|aa)*', '(\\w*)*', '((ab))+', '(?:foo|bar)+', '(a+){2,}', '(x)\\1'])('refuses %s', (p) => {
    expect(unsafePattern(p)).not.toBeNull();
  });

  it.each(['\\bsue\\b', '(?:ab)+', 'a+b*', '[(]+', 'price (?:went|going) up', '(a?)?', '\\d{3}-\\d{4}'])(
    'accepts %s',
    (p) => {
      expect(unsafePattern(p)).toBeNull();
    },
  );
});
