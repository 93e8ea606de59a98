// Preloaded into a service to profile it in a benchmark (Node 20 refuses --cpu-prof in NODE_OPTIONS):
// BENCH_SERVICE_ENV='{"NODE_OPTIONS":"--require <repo>/bench/dist/bench/cpu-profile.js","BENCH_PROFILE_DIR":"/tmp/prof"}'.
// Samples the process's whole life and writes <service>-<pid>.cpuprofile at exit (open it in Chrome DevTools).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR ?? '.';
// services/<name>/dist/main.js → <name>
const service = basename(dirname(dirname(process.argv[1] ?? 'unknown/dist/main.js')));
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');
process.on('exit', () => {
  // The inspector answers the main thread's session synchronously, so this completes before the exit.
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(join(dir, `${service}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
