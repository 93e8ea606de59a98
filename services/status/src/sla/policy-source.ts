// The SLA policies in force, from SLA_POLICY_FILE, reloaded when the file changes (polling its content, which
// also sees a Kubernetes ConfigMap's symlink swap). A bad file refuses the start; a bad edit later is logged
// and the last good policies stay. A clock keeps the plan it started with (see schedule.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from '@switchboard/core';
import { parsePolicyFile, PolicyFileError } from './policy-file';
import { noPolicies, type SlaPolicies } from './policy';

export class PolicySource {
  private policies: SlaPolicies = noPolicies;
  private digest = '';
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly path: string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Loads the file once; throws (with file:line:column) when it is missing or invalid. */
  load(): SlaPolicies {
    if (!this.path) {
      this.logger.info('no SLA_POLICY_FILE: no deadlines run');
      return this.policies;
    }
    const text = readFileSync(this.path, 'utf8');
    this.policies = parsePolicyFile(text, this.path);
    this.digest = sha(text);
    this.logger.info({ file: this.path, policies: this.policies.policies.length }, 'SLA policies loaded');
    return this.policies;
  }

  current(): SlaPolicies {
    return this.policies;
  }

  /** Re-reads the file when its content changed; keeps the last good policies on any problem. */
  reload(): boolean {
    if (!this.path) return false;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      this.logger.error(
        { file: this.path, err: (err as Error).message },
        'SLA policy file unreadable; keeping the last good policies',
      );
      return false;
    }
    const digest = sha(text);
    if (digest === this.digest) return false;
    this.digest = digest; // a bad version is reported once, not on every poll
    try {
      this.policies = parsePolicyFile(text, this.path);
      this.logger.info({ file: this.path, policies: this.policies.policies.length }, 'SLA policies reloaded');
      return true;
    } catch (err) {
      const problems = err instanceof PolicyFileError ? err.problems : [(err as Error).message];
      this.logger.error({ file: this.path, problems }, 'SLA policy file invalid; keeping the last good policies');
      return false;
    }
  }

  /** Polls until the returned function is called. */
  watch(intervalMs = 2000): () => void {
    if (!this.path) return () => undefined;
    this.timer = setInterval(() => this.reload(), intervalMs);
    this.timer.unref();
    return () => clearInterval(this.timer);
  }
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
