// Runs Switchboard's built services as child processes for whole-system tests: each test file gets its
// own topic prefix, Redis key prefix and free ports, so test files never see each other's events.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** The repository root, found from here whether this file runs from test/ or compiled under bench/dist. */
function repositoryRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'switchboard'
    )
      return dir;
  }
  throw new Error(`no Switchboard repository above ${from}`);
}

export const ROOT = repositoryRoot(__dirname);

export type ServiceName = 'ingress' | 'classifier' | 'notifier' | 'ticketer' | 'status';

const PORT_VARIABLE: Record<ServiceName, string> = {
  ingress: 'INGRESS_PORT',
  classifier: 'CLASSIFIER_PORT',
  notifier: 'NOTIFIER_PORT',
  ticketer: 'TICKETER_PORT',
  status: 'STATUS_PORT',
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningService {
  name: ServiceName;
  port: number;
  process: ChildProcess;
  /** Everything the service logged, for assertions and for failure messages. */
  output: string[];
}

export class TestSystem {
  readonly id = randomUUID().slice(0, 8);
  readonly env: Record<string, string>;
  readonly services = new Map<ServiceName, RunningService>();

  constructor(extraEnv: Record<string, string> = {}) {
    this.env = {
      PATH: process.env.PATH ?? '',
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? 'localhost:9092',
      REDIS_URL: process.env.REDIS_URL ?? 'redis://localhost:6379',
      KAFKA_CLIENT: process.env.KAFKA_CLIENT ?? 'kafkajs',
      KAFKA_TOPIC_PREFIX: `t${this.id}.`,
      KAFKA_TOPIC_PARTITIONS: '3',
      REDIS_KEY_PREFIX: `t${this.id}:`,
      // Consumer groups of their own: kafkajs assigns every topic of a group to its members, so two test
      // files sharing a group id (on different topic prefixes) would steal each other's partitions.
      CLASSIFIER_GROUP_ID: `t${this.id}-classifier`,
      NOTIFIER_GROUP_ID: `t${this.id}-notifier`,
      TICKETER_GROUP_ID: `t${this.id}-ticketer`,
      STATUS_GROUP_ID: `t${this.id}-status`,
      // TEST_SERVICE_LOG_LEVEL: e.g. debug, with TEST_SERVICE_LOG_DIR (below) to read what the services did.
      LOG_LEVEL: process.env.TEST_SERVICE_LOG_LEVEL ?? 'info',
      ...extraEnv,
    };
  }

  /** Starts a service on a free port, or on the one its port variable names in `extraEnv`. */
  async start(name: ServiceName, extraEnv: Record<string, string> = {}): Promise<RunningService> {
    const port = extraEnv[PORT_VARIABLE[name]] ? Number(extraEnv[PORT_VARIABLE[name]]) : await freePort();
    const child = spawn(process.execPath, [join(ROOT, 'services', name, 'dist', 'main.js')], {
      env: { ...this.env, ...extraEnv, [PORT_VARIABLE[name]]: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    // TEST_SERVICE_LOG_DIR: every line each service process writes is also kept there, one file per process.
    const logDir = process.env.TEST_SERVICE_LOG_DIR;
    const logFile = logDir ? join(logDir, `${name}-${child.pid}.log`) : undefined;
    if (logDir) mkdirSync(logDir, { recursive: true });
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        output.push(...chunk.split('\n').filter(Boolean));
        if (logFile) appendFileSync(logFile, chunk);
      });
    }
    const service = { name, port, process: child, output };
    this.services.set(name, service);
    await this.waitReady(service);
    return service;
  }

  url(name: ServiceName, path = '/'): string {
    const service = this.services.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return `http://127.0.0.1:${service.port}${path}`;
  }

  async waitReady(service: RunningService, timeoutMs = 60000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let answer = 'no answer';
    while (Date.now() < until) {
      if (service.process.exitCode !== null) {
        throw new Error(
          `${service.name} exited with ${service.process.exitCode}:\n${service.output.slice(-20).join('\n')}`,
        );
      }
      try {
        const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
        if (res.ok) return;
        answer = `${res.status} ${await res.text()}`;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `${service.name} not ready after ${timeoutMs} ms (last /readyz: ${answer}):\n${service.output.slice(-20).join('\n')}`,
    );
  }

  /** SIGTERM (graceful) or SIGKILL (crash) one service and wait for it to exit. */
  async stop(name: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const service = this.services.get(name);
    if (!service || service.process.exitCode !== null || service.process.signalCode !== null)
      return service?.process.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => service.process.once('exit', (code) => resolve(code)));
    service.process.kill(signal);
    const code = await exited;
    this.services.delete(name);
    return code;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.services.keys()].map((name) => this.stop(name)));
  }
}

/** Polls `probe` until it returns a value that `done` accepts, or fails with the last value seen. */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await probe();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
}
