// The classifier's rules file (YAML) → Rules. Pure: text in, rules or a RulesFileError out. Every problem
// is reported with its line and column, so a person fixes the file from the message alone.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node, type YAMLMap } from 'yaml';
import { Priority } from '@switchboard/proto';
import { defaultRules, type KeywordRule, type Rules } from './rules';

export class RulesFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid rules file:\n  ${problems.join('\n  ')}`);
    this.name = 'RulesFileError';
  }
}

const PRIORITIES: Record<string, Priority> = {
  low: Priority.LOW,
  normal: Priority.NORMAL,
  high: Priority.HIGH,
  urgent: Priority.URGENT,
};
const TOP_LEVEL = new Set(['defaults', 'rules', 'teams', 'users']);
const RULE_FIELDS = new Set(['name', 'keywords', 'patterns', 'priority', 'tags']);
const MAX_PATTERN_LENGTH = 500;

/**
 * RE2-style restrictions that keep matching linear enough: no back-references, and no repeated group
 * (`(...)+`, `(...)*`, `(...){2,}`) that itself contains a quantifier, an alternation or another group,
 * the shapes behind catastrophic backtracking like (a+)+ or (a|aa)*. Text is also capped before matching.
 */
export function unsafePattern(source: string): string | null {
  if (source.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  const stack: { risky: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i];
    if (c === '\\') {
      if (/[1-9k]/.test(source[i + 1] ?? '')) return 'uses a back-reference';
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') {
      if (stack.length > 0) stack[stack.length - 1].risky = true;
      stack.push({ risky: false });
      if (source[i + 1] === '?') i += source[i + 2] === '<' && /[=!]/.test(source[i + 3] ?? '') ? 3 : 2;
    } else if (c === ')') {
      const group = stack.pop();
      const next = source[i + 1] ?? '';
      const repeated =
        next === '+' ||
        next === '*' ||
        /^\{\d*,\d*\}/.test(source.slice(i + 1)) ||
        /^\{(\d+)\}/.test(source.slice(i + 1));
      if (group?.risky && repeated)
        return 'repeats a group that contains a quantifier, an alternation or a group, which can backtrack catastrophically';
    } else if ((c === '+' || c === '*' || c === '{' || c === '|') && stack.length > 0) {
      stack[stack.length - 1].risky = true;
    } else if (c === '?' && stack.length > 0 && /[^(]/.test(source[i - 1] ?? '(')) {
      stack[stack.length - 1].risky = true;
    }
  }
  return null;
}

export function parseRulesFile(text: string, source = 'rules'): Rules {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const problems: string[] = [];
  const at = (node: Node | null | undefined) => {
    const offset = node?.range?.[0];
    if (offset === undefined) return source;
    const { line, col } = lineCounter.linePos(offset);
    return `${source}:${line}:${col}`;
  };
  for (const error of doc.errors)
    problems.push(`${source}:${error.linePos?.[0].line ?? '?'}: ${error.message.split('\n')[0]}`);
  if (problems.length > 0) throw new RulesFileError(problems);

  const root = doc.contents;
  if (root === null) return defaultRules;
  if (!isMap(root))
    throw new RulesFileError([`${at(root)}: the file must be a mapping with defaults, rules, teams, users`]);

  const strings = (node: unknown, what: string): string[] => {
    if (node === undefined || node === null) return [];
    if (!isSeq(node)) {
      problems.push(`${at(node as Node)}: ${what} must be a list`);
      return [];
    }
    return node.items.flatMap((item) => {
      if (
        isScalar(item) &&
        (typeof item.value === 'string' || typeof item.value === 'number') &&
        String(item.value).trim() !== ''
      )
        return [String(item.value)];
      problems.push(`${at(item as Node)}: ${what} must hold non-empty strings`);
      return [];
    });
  };
  const priorityOf = (node: unknown, what: string): Priority | undefined => {
    if (node === undefined) return undefined;
    const value = isScalar(node) ? String(node.value) : '';
    if (value in PRIORITIES) return PRIORITIES[value];
    problems.push(`${at(node as Node)}: ${what} must be one of ${Object.keys(PRIORITIES).join(', ')}, got "${value}"`);
    return undefined;
  };
  const unknownKeys = (map: YAMLMap, allowed: Set<string>, what: string) => {
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!allowed.has(key))
        problems.push(`${at(pair.key as Node)}: unknown ${what} "${key}" (expected ${[...allowed].join(', ')})`);
    }
  };
  const section = (key: string): YAMLMap | undefined => {
    const node = root.get(key, true);
    if (node === undefined || node === null) return undefined;
    if (!isMap(node)) {
      problems.push(`${at(node as Node)}: ${key} must be a mapping`);
      return undefined;
    }
    return node;
  };

  unknownKeys(root, TOP_LEVEL, 'section');
  const defaults = section('defaults');
  if (defaults) unknownKeys(defaults, new Set(['priority', 'max_match_length']), 'default');
  const defaultPriority =
    priorityOf(defaults?.get('priority', true), 'defaults.priority') ?? defaultRules.defaultPriority;
  let maxMatchLength = defaultRules.maxMatchLength;
  const maxNode = defaults?.get('max_match_length', true);
  if (maxNode !== undefined) {
    const n = isScalar(maxNode) ? Number(maxNode.value) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 100000)
      problems.push(`${at(maxNode as Node)}: defaults.max_match_length must be a whole number from 1 to 100000`);
    else maxMatchLength = n;
  }

  const keywordRules: KeywordRule[] = [];
  const rulesNode = root.get('rules', true);
  const names = new Set<string>();
  if (rulesNode !== undefined && rulesNode !== null && !isSeq(rulesNode))
    problems.push(`${at(rulesNode as Node)}: rules must be a list`);
  if (isSeq(rulesNode)) {
    rulesNode.items.forEach((item, i) => {
      if (!isMap(item)) {
        problems.push(
          `${at(item as Node)}: rules[${i}] must be a mapping with name, keywords/patterns, priority, tags`,
        );
        return;
      }
      unknownKeys(item, RULE_FIELDS, `field of rules[${i}]`);
      const nameNode = item.get('name', true);
      const name = isScalar(nameNode) ? String(nameNode.value ?? '').trim() : '';
      if (!name) problems.push(`${at(item)}: rules[${i}] needs a name`);
      else if (names.has(name)) problems.push(`${at(nameNode as Node)}: rule name "${name}" is used twice`);
      names.add(name);
      const keywords = strings(item.get('keywords', true), `rules[${i}].keywords`);
      const patternsNode = item.get('patterns', true);
      const patterns: RegExp[] = [];
      strings(patternsNode, `rules[${i}].patterns`).forEach((source, j) => {
        const where = isSeq(patternsNode) ? at(patternsNode.items[j] as Node) : at(item);
        const unsafe = unsafePattern(source);
        if (unsafe) return void problems.push(`${where}: pattern /${source}/ ${unsafe}`);
        try {
          patterns.push(new RegExp(source, 'u'));
        } catch (err) {
          problems.push(`${where}: pattern /${source}/ is not a valid regular expression: ${(err as Error).message}`);
        }
      });
      if (keywords.length === 0 && patterns.length === 0 && !problems.some((p) => p.includes(`rules[${i}]`))) {
        problems.push(`${at(item)}: rules[${i}] ("${name}") needs keywords or patterns`);
      }
      keywordRules.push({
        name,
        keywords,
        patterns,
        priority: priorityOf(item.get('priority', true), `rules[${i}].priority`) ?? defaultPriority,
        tags: strings(item.get('tags', true), `rules[${i}].tags`),
      });
    });
  }

  const lists = (key: 'teams' | 'users') => {
    const node = section(key);
    if (node) unknownKeys(node, new Set(['deny', 'allow']), `${key} list`);
    return {
      deny: new Set(strings(node?.get('deny', true), `${key}.deny`)),
      allow: new Set(strings(node?.get('allow', true), `${key}.allow`)),
    };
  };
  const teams = lists('teams');
  const users = lists('users');

  if (problems.length > 0) throw new RulesFileError(problems);
  return {
    defaultPriority,
    keywordRules,
    denyTeams: teams.deny,
    allowTeams: teams.allow,
    denyUsers: users.deny,
    allowUsers: users.allow,
    maxMatchLength,
  };
}
