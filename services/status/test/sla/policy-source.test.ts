// The policy in force from SLA_POLICY_FILE: a bad file refuses the start with file:line:column, a changed file
// is picked up, a bad edit keeps the last good policy (and is reported once, not on every poll).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@switchboard/core';
import { PolicyFileError } from '../../src/sla/policy-file';
import { PolicySource } from '../../src/sla/policy-source';

const quiet = createLogger({ service: 'test', level: 'silent' });

describe('PolicySource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sla-policy-'));
  const file = join(dir, 'sla.yaml');

  it('refuses a bad file at start, naming the place', () => {
    writeFileSync(file, 'policies:\n  - review_within: soon\n');
    expect(() => new PolicySource(file, quiet).load()).toThrow(PolicyFileError);
    expect(() => new PolicySource(file, quiet).load()).toThrow(`${file}:2:20: policies[0].review_within`);
  });

  it('reloads a changed file and keeps the last good policy through a bad edit', () => {
    writeFileSync(file, 'policies:\n  - review_within: 5m\n');
    const source = new PolicySource(file, quiet);
    expect(source.load().policies[0].reviewWithinMs).toBe(300_000);
    expect(source.reload()).toBe(false); // unchanged
    writeFileSync(file, 'policies:\n  - review_within: 5 minutes\n');
    expect(source.reload()).toBe(false);
    expect(source.current().policies[0].reviewWithinMs).toBe(300_000);
    writeFileSync(file, 'policies:\n  - review_within: 2m\n');
    expect(source.reload()).toBe(true);
    expect(source.current().policies[0].reviewWithinMs).toBe(120_000);
  });

  it('runs no deadline without a file', () => {
    expect(new PolicySource(undefined, quiet).load().policies).toEqual([]);
  });
});
