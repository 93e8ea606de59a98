// The rules in force, from CLASSIFIER_RULES_FILE, reloaded when the file changes (core's WatchedFile: a bad
// file at start-up refuses to start; a bad file later is logged and the last good rules stay in force).
import { Counter, WatchedFile, type Logger, type Metrics, type ReloadOutcome } from '@switchboard/core';
import { parseRulesFile, RulesFileError } from './rules-file';
import { defaultRules, type Rules } from './rules';

const RELOAD_OUTCOMES: ReloadOutcome[] = ['ok', 'invalid', 'unreadable'];

export class RulesSource extends WatchedFile<Rules> {
  constructor(path: string | undefined, logger: Logger, metrics?: Metrics) {
    const reloads = metrics
      ? new Counter({
          name: 'switchboard_classifier_rules_reloads_total',
          help: 'Rules file loads by outcome (ok, invalid, unreadable)',
          labelNames: ['outcome'],
          registers: [metrics.registry],
        })
      : undefined;
    for (const outcome of RELOAD_OUTCOMES) reloads?.inc({ outcome }, 0); // served from start-up
    super({
      path,
      absent: defaultRules,
      absentMessage: 'no CLASSIFIER_RULES_FILE: default rules (no keyword rules, no lists)',
      parse: parseRulesFile,
      problemsOf: (err) => (err instanceof RulesFileError ? err.problems : [(err as Error).message]),
      names: { content: 'rules', file: 'rules file' },
      fieldsOf: (rules) => ({ rules: rules.keywordRules.length }),
      logger,
      onOutcome: (outcome) => reloads?.inc({ outcome }),
    });
  }
}
