// The system as docker compose runs it: `docker compose up` of docker-compose.yml from the local images, one event
// posted to the containerised ingress, one Slack root and one Asana task in the containerised sandbox, a console
// sign-in, Redis persistence on, and `docker compose down -v` at the end. Needs a Docker engine, compose v2 and
// the images (scripts/docker/engine.sh up, scripts/docker/compose.sh, npm run images).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashPassword } from '@switchboard/core';

const ROOT = resolve(__dirname, '../..');
const PROJECT = `switchboard-compose-test-${process.pid}`;
const PASSWORD = randomBytes(12).toString('base64url');

type Run = { code: number; stdout: string; stderr: string };
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

async function eventually<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < until) {
    last = await probe().catch(() => last);
    if (last !== undefined && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
}

describe('docker compose', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-compose-'));
  const envFile = join(dir, 'compose.env');
  const ports = { ingress: 0, status: 0, sandbox: 0 };
  let portEnv: NodeJS.ProcessEnv = {};
  let apiKey = '';
  const compose = (...args: string[]) =>
    run(
      'docker',
      ['compose', '-p', PROJECT, '-f', join(ROOT, 'docker-compose.yml'), '--env-file', envFile, ...args],
      portEnv,
    );

  beforeAll(async () => {
    ports.ingress = await freePort();
    ports.status = await freePort();
    ports.sandbox = await freePort();
    portEnv = {
      INGRESS_HOST_PORT: String(ports.ingress),
      STATUS_HOST_PORT: String(ports.status),
      SANDBOX_HOST_PORT: String(ports.sandbox),
      CONSOLE_BASE_URL: `http://localhost:${ports.status}/`,
    };
    // A known operator password; the rest of the secrets from the script a new user runs (npm run compose:env).
    writeFileSync(envFile, `CONSOLE_OPERATORS='operator:${await hashPassword(PASSWORD)}'\n`, { mode: 0o600 });
    const generated = await run(process.execPath, [join(ROOT, 'scripts/docker/compose-env.mjs'), envFile]);
    expect(generated.code).toBe(0);
    apiKey = /^INGRESS_API_KEYS=[^:]+:(.+)$/m.exec(readFileSync(envFile, 'utf8'))![1];

    const up = await compose('up', '-d', '--wait', '--wait-timeout', '300');
    if (up.code !== 0) {
      const logs = await compose('logs', '--no-color', '--tail', '40');
      throw new Error(`docker compose up failed (${up.code}):\n${up.stderr}\n${logs.stdout.slice(-8000)}`);
    }
  }, 360000);

  afterAll(async () => {
    const down = await compose('down', '-v', '--remove-orphans', '--timeout', '20');
    rmSync(dir, { recursive: true, force: true });
    expect(down.code).toBe(0);
  }, 120000);

  it('turns one event posted to the ingress into one Slack root and one Asana task in the sandbox', async () => {
    const conversation = `compose-${randomBytes(4).toString('hex')}`;
    const res = await fetch(`http://127.0.0.1:${ports.ingress}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({
        conversation_id: conversation,
        user: { id: 'u1', name: 'Ann' },
        team: { id: 't1', name: 'Acme' },
        text: 'my order never came',
      }),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, duplicates: 0 });

    const sandbox = `http://127.0.0.1:${ports.sandbox}`;
    const messages = async () =>
      (await (await fetch(`${sandbox}/_sandbox/slack/messages`)).json()) as { text: string; thread_ts?: string }[];
    const tasks = async () =>
      (await (await fetch(`${sandbox}/_sandbox/asana/tasks`)).json()) as { name: string; notes: string }[];
    const roots = await eventually(
      async () => (await messages()).filter((m) => !m.thread_ts),
      (m) => m.length > 0,
      90000,
      'a Slack root message',
    );
    const created = await eventually(tasks, (t) => t.length > 0, 90000, 'an Asana task');
    expect(roots).toHaveLength(1);
    expect(roots[0].text).toContain('Ann');
    expect(created).toHaveLength(1);
    expect(created[0].name).toBe('Ann (Acme): my order never came');
  });

  it('refuses an event without the API key', async () => {
    const res = await fetch(`http://127.0.0.1:${ports.ingress}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
  });

  it('signs an operator in to the console and out again with the CSRF token', async () => {
    const statusUrl = `http://127.0.0.1:${ports.status}`;
    const wrong = await fetch(`${statusUrl}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'operator', password: 'not-the-password', next: '/console' }),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);

    const login = await fetch(`${statusUrl}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'operator', password: PASSWORD, next: '/console' }),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/console');
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    expect(cookie).toMatch(/=./);

    const page = await fetch(`${statusUrl}/console`, { headers: { cookie }, redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    expect(csrf).toBeDefined();

    const forged = await fetch(`${statusUrl}/console/logout`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: 'forged' }),
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    const logout = await fetch(`${statusUrl}/console/logout`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf! }),
      redirect: 'manual',
    });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('location')).toBe('/console/login');
  });

  it('runs Redis with the append-only file on, in a volume that outlives the container', async () => {
    const appendonly = await compose('exec', '-T', 'redis', 'redis-cli', 'CONFIG', 'GET', 'appendonly');
    expect(appendonly.code).toBe(0);
    expect(appendonly.stdout.trim().split('\n')).toEqual(['appendonly', 'yes']);
    const dirs = await compose('exec', '-T', 'redis', 'redis-cli', 'CONFIG', 'GET', 'dir');
    expect(dirs.stdout.trim().split('\n')).toEqual(['dir', '/data']);
    const volumes = await run('docker', [
      'volume',
      'ls',
      '-q',
      '--filter',
      `label=com.docker.compose.project=${PROJECT}`,
    ]);
    expect(volumes.stdout.split('\n')).toContain(`${PROJECT}_redis-data`);

    // A key written before the container is removed and recreated is there afterwards.
    const key = `switchboard-compose-test:${randomBytes(4).toString('hex')}`;
    expect((await compose('exec', '-T', 'redis', 'redis-cli', 'SET', key, 'kept')).stdout.trim()).toBe('OK');
    expect((await compose('rm', '--stop', '--force', 'redis')).code).toBe(0);
    const again = await compose('up', '-d', '--wait', '--wait-timeout', '120', 'redis');
    expect(again.code).toBe(0);
    expect((await compose('exec', '-T', 'redis', 'redis-cli', 'GET', key)).stdout.trim()).toBe('kept');
  });

  it('publishes ports on 127.0.0.1 only, and neither Kafka nor Redis', async () => {
    const ps = await compose('ps', '--format', 'json');
    const published = ps.stdout
      .trim()
      .split('\n')
      .flatMap(
        (line) =>
          (JSON.parse(line) as { Service: string; Publishers: { URL: string; PublishedPort: number }[] | null })
            .Publishers ?? [],
      )
      .filter((p) => p.PublishedPort > 0);
    expect(published.length).toBeGreaterThan(0);
    expect(published.every((p) => p.URL === '127.0.0.1')).toBe(true);
    expect(published.map((p) => p.PublishedPort).sort()).toEqual([ports.ingress, ports.sandbox, ports.status].sort());
  });
});
