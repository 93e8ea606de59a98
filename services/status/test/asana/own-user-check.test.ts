// Whose ASANA_TOKEN it is, asked of the sandbox's Asana through the real client: an operator's own login (by
// their Asana gid or their email) is warned about once at start-up; a user of Switchboard's own is not, and an
// Asana that does not answer is not a reason to stop.
import { Writable } from 'node:stream';
import { createLogger, createMetrics } from '@switchboard/core';
import { startSandbox } from '@switchboard/sandbox';
import { AsanaApi } from '../../src/asana/asana-client';
import { operatorOfOwnAsanaUser, warnIfOwnAsanaUserIsAnOperator } from '../../src/asana/own-user-check';
import { OperatorDirectory } from '../../src/operators/operators';

describe('whose ASANA_TOKEN it is', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  const apiFor = (token: string, baseUrl = sandbox.asanaBaseUrl) =>
    new AsanaApi(
      { token, baseUrl, workspaceGid: '1100000000000001', projectGid: '1200000000000001' },
      createMetrics('own-user-check-test'),
    );
  function capture() {
    const lines: { level: string; msg: string; login?: string }[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    return { lines, logger: createLogger({ service: 'status', destination }) };
  }

  it('finds the operator by email or by Asana gid, and no one for a user of its own', async () => {
    const api = apiFor('asana-own-user-check');
    const gid = await api.ownUserGid();
    const me = (await api.user(gid))!;
    expect(me.email).toBeTruthy();

    const byEmail = new OperatorDirectory([{ login: 'olivia', name: 'Olivia', email: me.email!.toUpperCase() }]);
    expect(await operatorOfOwnAsanaUser(api, byEmail)).toBe('olivia');
    const byGid = new OperatorDirectory([{ login: 'omar', name: 'Omar', asanaUserGid: gid }]);
    expect(await operatorOfOwnAsanaUser(api, byGid)).toBe('omar');
    const others = new OperatorDirectory([{ login: 'olivia', name: 'Olivia', email: 'olivia@example.com' }]);
    expect(await operatorOfOwnAsanaUser(api, others)).toBeUndefined();
  });

  it('warns once when the token is an operator’s, says nothing otherwise, and does not throw when Asana is away', async () => {
    const api = apiFor('asana-own-user-warn');
    const me = (await api.user(await api.ownUserGid()))!;
    const warned = capture();
    await warnIfOwnAsanaUserIsAnOperator(
      api,
      new OperatorDirectory([{ login: 'olivia', name: 'Olivia', email: me.email }]),
      warned.logger,
    );
    expect(warned.lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({ login: 'olivia', msg: expect.stringContaining('an Asana user of its own') }),
    ]);

    const quiet = capture();
    await warnIfOwnAsanaUserIsAnOperator(api, new OperatorDirectory([]), quiet.logger);
    expect(quiet.lines).toEqual([]);

    const away = capture();
    await expect(
      warnIfOwnAsanaUserIsAnOperator(apiFor('asana-x', 'http://127.0.0.1:9'), new OperatorDirectory([]), away.logger),
    ).resolves.toBeUndefined();
    expect(away.lines).toEqual([
      expect.objectContaining({ level: 'info', msg: expect.stringContaining('not checked') }),
    ]);
  });
});
