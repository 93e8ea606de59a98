// A setting kept in a file (the classifier's rules, the SLA policies), loaded at start-up and reloaded when
// its content changes. Polling the content (not fs.watch) also sees a Kubernetes ConfigMap's symlink swap.
// A bad file refuses the start; a bad edit later is logged once and the last good value stays in force.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from './logger';

export type ReloadOutcome = 'ok' | 'invalid' | 'unreadable';

export interface WatchedFileOptions<T> {
  /** The file; undefined runs with `absent`. */
  path: string | undefined;
  /** The value in force without a file. */
  absent: T;
  /** Logged when there is no file. */
  absentMessage: string;
  /** Parses the file; throws on a bad one. */
  parse: (text: string, path: string) => T;
  /** What a parse error says is wrong (each naming file:line:column where the parser knows it). */
  problemsOf: (err: unknown) => string[];
  /** How log lines name the content ("rules") and the file ("rules file"). */
  names: { content: string; file: string };
  /** Log fields describing a loaded value (e.g. how many rules). */
  fieldsOf: (value: T) => Record<string, unknown>;
  logger: Logger;
  /** Told each load's outcome (for a reloads counter). */
  onOutcome?: (outcome: ReloadOutcome) => void;
}

export class WatchedFile<T> {
  private value: T;
  private digest = '';
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: WatchedFileOptions<T>) {
    this.value = options.absent;
  }

  /** Loads the file once; throws (naming the place) when it is missing or invalid. */
  load(): T {
    const { path, logger, names } = this.options;
    if (!path) {
      logger.info(this.options.absentMessage);
      return this.value;
    }
    const text = readFileSync(path, 'utf8');
    this.value = this.options.parse(text, path);
    this.digest = sha(text);
    this.options.onOutcome?.('ok');
    logger.info({ file: path, ...this.options.fieldsOf(this.value) }, `${names.content} loaded`);
    return this.value;
  }

  current(): T {
    return this.value;
  }

  /** Re-reads the file when its content changed; keeps the last good value on any problem. True when replaced. */
  reload(): boolean {
    const { path, logger, names, onOutcome } = this.options;
    if (!path) return false;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      onOutcome?.('unreadable');
      logger.error(
        { file: path, err: (err as Error).message },
        `${names.file} unreadable; keeping the last good ${names.content}`,
      );
      return false;
    }
    const digest = sha(text);
    if (digest === this.digest) return false;
    this.digest = digest; // a bad version is reported once, not on every poll
    try {
      this.value = this.options.parse(text, path);
      onOutcome?.('ok');
      logger.info({ file: path, ...this.options.fieldsOf(this.value) }, `${names.content} reloaded`);
      return true;
    } catch (err) {
      onOutcome?.('invalid');
      logger.error(
        { file: path, problems: this.options.problemsOf(err) },
        `${names.file} invalid; keeping the last good ${names.content}`,
      );
      return false;
    }
  }

  /** Polls the file every `intervalMs` until stopped; returns the stop. */
  watch(intervalMs = 2000): () => void {
    if (this.options.path && !this.timer) {
      this.timer = setInterval(() => this.reload(), intervalMs);
      this.timer.unref();
    }
    return () => this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
