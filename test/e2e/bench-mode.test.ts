// SWITCHBOARD_BUDGETS=off (the bench mode): the notifier and the ticketer refuse to start with it outside a
// bench or development setting, with a ConfigError naming the variable, before they connect to anything.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/services';

function start(service: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'services', service, 'dist', 'main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      ASANA_TOKEN: 'asana-bench',
      ASANA_PROJECT_GID: '1200000000000001',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('the bench mode switch', () => {
  it.each(['notifier', 'ticketer'])('stops the %s at start outside bench or development', async (service) => {
    const { code, output } = await start(service, { SWITCHBOARD_BUDGETS: 'off', NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toMatch(/SWITCHBOARD_BUDGETS: off .*only for benchmarks.*got "production"/);
  });
});
