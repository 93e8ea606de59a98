// `switchboard timeline rebuild --yes`: runs the status service's rebuild of the triage timelines
// (services/status/dist/rebuild-timelines.js, with this environment), where the status service is installed.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';

/** The status service's rebuild script, or null when the status service is not installed next to the CLI. */
export function rebuildScript(): string | null {
  try {
    return join(dirname(require.resolve('@switchboard/status/package.json')), 'dist', 'rebuild-timelines.js');
  } catch {
    return null;
  }
}

/** Runs the rebuild with the given arguments and environment; resolves with its exit code. */
export function runTimelineRebuild(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const script = rebuildScript();
  if (!script) {
    console.error(
      'the status service (@switchboard/status) is not installed here: run this where it is, e.g. in its container (node services/status/dist/rebuild-timelines.js --yes)',
    );
    return Promise.resolve(2);
  }
  const child = spawn(process.execPath, [script, ...args], { env, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
