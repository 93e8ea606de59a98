// jest globalTeardown: undo only what globalSetup started.
//   - testcontainers: stop and remove the containers (Ryuk would reap them anyway when jest exits).
//   - scripts/infra.sh: leave Kafka and Redis running for the next run (a warm start takes well under a second;
//     CI machines are discarded). With SWITCHBOARD_TEST_STOP_INFRA=1, stop them, but only if this run started
//     them (a Kafka/Redis that was already up, e.g. under `npm run stack`, is never stopped here).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { SwitchboardTestInfra } from './global-setup';

const ROOT = join(__dirname, '..', '..');

export default async function globalTeardown(): Promise<void> {
  const state: SwitchboardTestInfra | undefined = globalThis.__SWITCHBOARD_TEST_INFRA__;
  if (!state) return;
  globalThis.__SWITCHBOARD_TEST_INFRA__ = undefined;

  await Promise.all(state.containers.map((container) => container.stop().catch(() => undefined)));

  if (state.scriptsStartedSomething && process.env.SWITCHBOARD_TEST_STOP_INFRA === '1') {
    spawnSync('bash', [join(ROOT, 'scripts', 'infra.sh'), 'down'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
}
