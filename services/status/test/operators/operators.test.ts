// Operator accounts: scrypt hashes, the two ways to configure them, and who is who.
import { ConfigError } from '@switchboard/core';
import { hashPassword, verifyPassword } from '@switchboard/core';
import { OperatorDirectory, parseOperatorEntries, parseOperatorsFile } from '../../src/operators/operators';

describe('passwords', () => {
  it('hashes with a fresh salt and verifies only the right password', async () => {
    const a = await hashPassword('s3cret', { N: 1024 });
    const b = await hashPassword('s3cret', { N: 1024 });
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('s3cret', a)).toBe(true);
    expect(await verifyPassword('S3cret', a)).toBe(false);
    expect(await verifyPassword('s3cret', 'plain-text')).toBe(false);
  });
});

describe('configuration', () => {
  it('reads login:hash entries and refuses plain passwords', async () => {
    const hash = await hashPassword('pw', { N: 1024 });
    expect(parseOperatorEntries([`olivia:${hash}`])).toEqual([{ login: 'olivia', name: 'olivia', passwordHash: hash }]);
    expect(() => parseOperatorEntries(['olivia:hunter2'])).toThrow(ConfigError);
    expect(() => parseOperatorEntries(['olivia:hunter2'])).toThrow(/hash-password/);
  });

  it('reads the operators file with names, emails and Slack ids', () => {
    const ops = parseOperatorsFile(
      'operators:\n  - login: olivia\n    name: Olivia Operator\n    email: olivia@example.test\n    slackUserId: U1\n',
      'ops.yaml',
    );
    expect(ops).toEqual([
      {
        login: 'olivia',
        name: 'Olivia Operator',
        email: 'olivia@example.test',
        slackUserId: 'U1',
        asanaUserGid: undefined,
        passwordHash: undefined,
      },
    ]);
    expect(() => parseOperatorsFile('operators: {}', 'ops.yaml')).toThrow(/ops.yaml: expected a list/);
    expect(() => parseOperatorsFile('operators:\n  - name: x\n', 'ops.yaml')).toThrow(/no login/);
    expect(() => parseOperatorsFile('operators:\n  - login: x\n    passwordHash: nope\n', 'ops.yaml')).toThrow(
      /scrypt/,
    );
  });
});

describe('OperatorDirectory', () => {
  it('finds operators by login, email and Slack id, and signs in only with the right password', async () => {
    const directory = new OperatorDirectory([
      {
        login: 'olivia',
        name: 'Olivia',
        email: 'Olivia@Example.test',
        slackUserId: 'U1',
        passwordHash: await hashPassword('pw', { N: 1024 }),
      },
      { login: 'sam', name: 'Sam' },
    ]);
    expect(directory.find('OLIVIA')?.name).toBe('Olivia');
    expect(directory.find('olivia@example.test')?.login).toBe('olivia');
    expect(directory.bySlackUser('U1')?.login).toBe('olivia');
    expect((await directory.authenticate('olivia', 'pw'))?.login).toBe('olivia');
    expect(await directory.authenticate('olivia', 'wrong')).toBeNull();
    expect(await directory.authenticate('nobody', 'pw')).toBeNull();
    expect(await directory.authenticate('sam', '')).toBeNull(); // no password: proxy sign-in only
  });
});
