import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@switchboard/core';
import { RulesSource } from '../src/rules-source';
import { RulesFileError } from '../src/rules-file';

function logCapture() {
  const lines: { msg: string; problems?: string[] }[] = [];
  const logger = createLogger({
    service: 'test',
    destination: new Writable({
      write(chunk, _e, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  });
  return { lines, logger };
}

describe('RulesSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));

  it('refuses to start on a bad file, naming the line', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'rules:\n  - name: a\n    keywords: [x]\n    priority: loud\n');
    const { logger } = logCapture();
    expect(() => new RulesSource(file, logger).load()).toThrow(RulesFileError);
    expect(() => new RulesSource(file, logger).load()).toThrow(`${file}:4:15`);
  });

  it('picks up a change live, and keeps the last good rules when the new file is bad', async () => {
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, 'rules:\n  - {name: refund, keywords: [refund], priority: high}\n');
    const { lines, logger } = logCapture();
    const source = new RulesSource(file, logger);
    source.load();
    source.watch(50);
    expect(source.current().keywordRules.map((r) => r.name)).toEqual(['refund']);

    writeFileSync(
      file,
      'rules:\n  - {name: refund, keywords: [refund], priority: high}\n  - {name: legal, keywords: [lawyer], priority: urgent}\n',
    );
    await waitFor(() => source.current().keywordRules.length === 2);
    expect(source.current().keywordRules.map((r) => r.name)).toEqual(['refund', 'legal']);

    writeFileSync(file, 'rules:\n  - {name: broken, patterns: ["(a+)+"]}\n');
    await waitFor(() => lines.some((l) => l.msg === 'rules file invalid; keeping the last good rules'));
    expect(source.current().keywordRules.map((r) => r.name)).toEqual(['refund', 'legal']);
    expect(lines.find((l) => l.problems)?.problems?.[0]).toContain(`${file}:2:`);
    source.stop();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
