// The classifier's rules and their pure evaluation: data in, verdict out, no I/O. Matching is case- and
// accent-insensitive on word boundaries; text is capped before any regex runs, so a hostile message
// cannot make a pattern backtrack for long.
import { Direction, Priority } from '@switchboard/proto';

export interface KeywordRule {
  name: string;
  /** Words or phrases, matched whole (word boundaries), ignoring case and accents. */
  keywords: string[];
  /** Regular expressions, applied to the normalised (lower-case, accent-free) text. */
  patterns: RegExp[];
  priority: Priority;
  tags: string[];
}

export interface Rules {
  defaultPriority: Priority;
  keywordRules: KeywordRule[];
  denyTeams: ReadonlySet<string>;
  denyUsers: ReadonlySet<string>;
  /** When non-empty, only these teams are notified; others are denied. */
  allowTeams: ReadonlySet<string>;
  /** Users always notified, even on a denied team. */
  allowUsers: ReadonlySet<string>;
  /** Only this many characters of a message are matched against rules. */
  maxMatchLength: number;
}

export const defaultRules: Rules = {
  defaultPriority: Priority.NORMAL,
  keywordRules: [],
  denyTeams: new Set(),
  denyUsers: new Set(),
  allowTeams: new Set(),
  allowUsers: new Set(),
  maxMatchLength: 4000,
};

export interface MessageFacts {
  text: string;
  direction: Direction;
  teamId: string;
  userId: string;
}

export interface Verdict {
  priority: Priority;
  matchedRules: string[];
  tags: string[];
  denied: boolean;
  deniedReason: string;
}

/** Lower-case, accents removed (é → e), so rules match however the user typed. */
export function normalise(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A whole-word matcher for a keyword or phrase; "word" means letters and digits of any script. */
export function keywordPattern(keyword: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(normalise(keyword))}(?![\\p{L}\\p{N}])`, 'u');
}

// Keyword patterns are compiled once per rule, not once per message.
const compiled = new WeakMap<KeywordRule, RegExp[]>();

function matchersOf(rule: KeywordRule): RegExp[] {
  let matchers = compiled.get(rule);
  if (!matchers) {
    matchers = [...rule.keywords.map(keywordPattern), ...rule.patterns];
    compiled.set(rule, matchers);
  }
  return matchers;
}

function matches(rule: KeywordRule, text: string): boolean {
  return matchersOf(rule).some((p) => p.test(text));
}

export function denial(facts: MessageFacts, rules: Rules): string {
  if (rules.allowUsers.has(facts.userId)) return '';
  if (rules.denyUsers.has(facts.userId)) return 'user deny-listed';
  if (rules.denyTeams.has(facts.teamId)) return 'team deny-listed';
  if (rules.allowTeams.size > 0 && !rules.allowTeams.has(facts.teamId)) return 'team not on the allow-list';
  return '';
}

export function classify(facts: MessageFacts, rules: Rules): Verdict {
  const deniedReason = denial(facts, rules);
  const text = normalise(facts.text.slice(0, rules.maxMatchLength));
  const hits = rules.keywordRules.filter((rule) => matches(rule, text));
  const fromUser = facts.direction === Direction.USER || facts.direction === Direction.UNSPECIFIED;
  // Bot and operator messages are tagged like any other, but never raise the priority.
  const priority = fromUser
    ? Math.max(rules.defaultPriority, ...hits.map((h) => h.priority))
    : Math.min(rules.defaultPriority, Priority.NORMAL);
  return {
    priority: priority as Priority,
    matchedRules: hits.map((h) => h.name),
    tags: [...new Set(hits.flatMap((h) => h.tags))],
    denied: deniedReason !== '',
    deniedReason,
  };
}
