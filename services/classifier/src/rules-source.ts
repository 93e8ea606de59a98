// The rules in force, from CLASSIFIER_RULES_FILE, reloaded when the file changes. Polling the file's
// content (not fs.watch) also sees Kubernetes ConfigMap updates, which swap a symlink. A bad file at
// start-up refuses to start; a bad file later is logged and the last good rules stay in force.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger, Metrics } from '@switchboard/core';
import { Counter } from '@switchboard/core';
import { parseRulesFile, RulesFileError } from './rules-file';
import { defaultRules, type Rules } from './rules';

export class RulesSource {
  private rules: Rules = defaultRules;
  private digest = '';
  private timer?: NodeJS.Timeout;
  private readonly reloads?: Counter<'outcome'>;

  constructor(
    private readonly path: string | undefined,
    private readonly logger: Logger,
    metrics?: Metrics,
  ) {
    if (metrics) {
      this.reloads = new Counter({
        name: 'switchboard_classifier_rules_reloads_total',
        help: 'Rules file loads by outcome (ok, invalid, unreadable)',
        labelNames: ['outcome'],
        registers: [metrics.registry],
      });
    }
  }

  /** Loads the file once; throws (with line numbers) when it is missing or invalid. */
  load(): Rules {
    if (!this.path) {
      this.logger.info('no CLASSIFIER_RULES_FILE: default rules (no keyword rules, no lists)');
      return this.rules;
    }
    const text = readFileSync(this.path, 'utf8');
    this.rules = parseRulesFile(text, this.path);
    this.digest = sha(text);
    this.reloads?.inc({ outcome: 'ok' });
    this.logger.info({ file: this.path, rules: this.rules.keywordRules.length }, 'rules loaded');
    return this.rules;
  }

  current(): Rules {
    return this.rules;
  }

  /** Re-reads the file when its content changed; keeps the last good rules on any problem. */
  reload(): boolean {
    if (!this.path) return false;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      this.reloads?.inc({ outcome: 'unreadable' });
      this.logger.error(
        { file: this.path, err: (err as Error).message },
        'rules file unreadable; keeping the last good rules',
      );
      return false;
    }
    const digest = sha(text);
    if (digest === this.digest) return false;
    try {
      this.rules = parseRulesFile(text, this.path);
      this.digest = digest;
      this.reloads?.inc({ outcome: 'ok' });
      this.logger.info({ file: this.path, rules: this.rules.keywordRules.length }, 'rules reloaded');
      return true;
    } catch (err) {
      this.digest = digest; // report a bad version once, not on every poll
      this.reloads?.inc({ outcome: 'invalid' });
      const problems = err instanceof RulesFileError ? err.problems : [(err as Error).message];
      this.logger.error({ file: this.path, problems }, 'rules file invalid; keeping the last good rules');
      return false;
    }
  }

  watch(intervalMs = 2000): void {
    if (!this.path || this.timer) return;
    this.timer = setInterval(() => this.reload(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
