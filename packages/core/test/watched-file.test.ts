// WatchedFile: loads once, reloads only a changed file, keeps the last good value through a bad or missing
// file, and tells each outcome once (a bad version is not reported again on every poll).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/logger';
import { WatchedFile, type ReloadOutcome } from '../src/watched-file';

const quiet = createLogger({ service: 'test', level: 'silent' });

/** A file holding one number per line; anything else is a bad file. */
function numbersFile(path: string | undefined, outcomes: ReloadOutcome[]) {
  return new WatchedFile<number[]>({
    path,
    absent: [],
    absentMessage: 'no numbers file',
    parse: (text, source) =>
      text
        .trim()
        .split('\n')
        .map((line, i) => {
          if (!/^\d+$/.test(line)) throw new Error(`${source}:${i + 1}: not a number`);
          return Number(line);
        }),
    problemsOf: (err) => [(err as Error).message],
    names: { content: 'numbers', file: 'numbers file' },
    fieldsOf: (numbers) => ({ count: numbers.length }),
    logger: quiet,
    onOutcome: (outcome) => outcomes.push(outcome),
  });
}

describe('WatchedFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'watched-'));

  it('reloads a changed file, keeps the last good value through a bad edit and a missing file', () => {
    const file = join(dir, 'numbers.txt');
    writeFileSync(file, '1\n2\n');
    const outcomes: ReloadOutcome[] = [];
    const source = numbersFile(file, outcomes);
    expect(source.load()).toEqual([1, 2]);
    expect(source.reload()).toBe(false); // unchanged: not parsed again
    writeFileSync(file, '1\ntwo\n');
    expect(source.reload()).toBe(false);
    expect(source.reload()).toBe(false); // the same bad version, not reported twice
    expect(source.current()).toEqual([1, 2]);
    writeFileSync(file, '3\n');
    expect(source.reload()).toBe(true);
    rmSync(file);
    expect(source.reload()).toBe(false);
    expect(source.current()).toEqual([3]);
    expect(outcomes).toEqual(['ok', 'invalid', 'ok', 'unreadable']);
  });

  it('refuses a bad file at start, naming the place, and runs with the absent value without a path', () => {
    const file = join(dir, 'bad.txt');
    writeFileSync(file, '7\nseven\n');
    expect(() => numbersFile(file, []).load()).toThrow(`${file}:2: not a number`);
    const absent = numbersFile(undefined, []);
    expect(absent.load()).toEqual([]);
    expect(absent.reload()).toBe(false);
    absent.watch(10)(); // nothing to poll; the stop is still callable
  });
});
