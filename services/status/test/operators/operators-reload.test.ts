// The operators file read again: a removed operator (or one who lost their password) is reported so their
// sessions end; a file that no longer parses keeps the last good list.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@switchboard/core';
import { reloadOperators } from '../../src/operators/operators-reload';
import { hashPassword } from '@switchboard/core';
import { OperatorDirectory, loadOperators } from '../../src/operators/operators';

const quiet = createLogger({ service: 'test', level: 'silent' });

describe('reloadOperators', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'operators-reload-'));
    file = join(dir, 'operators.yaml');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports the logins no longer configured, and keeps the last good list on a broken file', async () => {
    const hash = await hashPassword('pw', { N: 1024 });
    const write = (lines: string[]) => writeFileSync(file, `operators:\n${lines.join('\n')}\n`);
    write([
      `  - { login: olivia, passwordHash: "${hash}" }`,
      `  - { login: oscar, passwordHash: "${hash}" }`,
      `  - { login: otto, passwordHash: "${hash}" }`,
    ]);
    const directory = new OperatorDirectory(loadOperators([], file));
    const removed: string[] = [];
    const deps = { directory, entries: [], file, removed: async (login: string) => removed.push(login), logger: quiet };

    write([`  - { login: olivia, passwordHash: "${hash}" }`, '  - { login: otto }']);
    expect(await reloadOperators(deps)).toEqual(['oscar', 'otto']);
    expect(removed).toEqual(['oscar', 'otto']);
    expect(directory.find('oscar')).toBeUndefined();

    writeFileSync(file, 'operators: [');
    expect(await reloadOperators(deps)).toEqual([]);
    expect(directory.find('olivia')).toBeDefined();
  });
});
