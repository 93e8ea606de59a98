// A Kafka and a Redis of a test's own, on other ports than the shared ones, so a fault test can kill and
// restart them without disturbing any other test. Kafka keeps its log dirs and Redis its append-only file
// across restarts, as they would in production.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort } from './services';

export class OwnKafka {
  readonly home: string;

  constructor(
    readonly port: number,
    /** KRaft's controller listener; kafka.sh's default (port + 1) may be anyone's port, so tests choose it too. */
    readonly controllerPort: number = port + 1,
  ) {
    this.home = join(ROOT, '.switchboard', `faults-${port}`);
  }

  /**
   * A broker started on two free ports. Choosing a free port and binding it later is a race (another test's
   * server or an outgoing connection can take the port in between); when the broker's first start fails on a
   * port in use, both ports are chosen again, at most three times.
   */
  static async startOnFreePorts(): Promise<OwnKafka> {
    for (let attempt = 1; ; attempt += 1) {
      const kafka = new OwnKafka(await freePort(), await freePort());
      try {
        kafka.start();
        return kafka;
      } catch (err) {
        kafka.remove();
        if (attempt >= 3 || !/BindException|Address already in use|SocketServer Acceptors/.test((err as Error).message))
          throw err;
      }
    }
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  private run(command: 'start' | 'stop'): void {
    const result = spawnSync('bash', [join(ROOT, 'scripts/infra/kafka.sh'), command], {
      env: {
        ...process.env,
        KAFKA_PORT: String(this.port),
        KAFKA_CONTROLLER_PORT: String(this.controllerPort),
        SWITCHBOARD_HOME: this.home,
      },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`kafka ${command} failed:\n${result.stderr}`);
  }

  start(): void {
    this.run('start');
  }

  stop(): void {
    this.run('stop');
  }

  /** Stops the broker and deletes its data: the end of a test. */
  remove(): void {
    this.stop();
    rmSync(this.home, { recursive: true, force: true });
  }
}

export class OwnRedis {
  private process?: ChildProcess;
  readonly dir: string;

  constructor(readonly port: number) {
    this.dir = join(ROOT, '.switchboard', `faults-redis-${port}`);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.process = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
      ],
      {
        stdio: 'ignore',
      },
    );
    const until = Date.now() + 20000;
    while (Date.now() < until) {
      const ping = spawnSync('redis-cli', ['-p', String(this.port), 'ping'], { encoding: 'utf8' });
      if (ping.stdout?.trim() === 'PONG') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis on ${this.port} did not answer`);
  }

  /** Stops the server; SIGKILL for a crash, SIGTERM for a clean stop. Data survives in the AOF. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** Stops the server and deletes its data: the end of a test. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
