#!/usr/bin/env node
// `npm run stack`: the whole system in one terminal. Starts Kafka and Redis (unless KAFKA_BROKERS /
// REDIS_URL are given), the Slack and Asana sandbox (unless SLACK_BOT_TOKEN and ASANA_TOKEN are set), and
// the five services (the classifier with rules.example.yaml unless CLASSIFIER_RULES_FILE is given), with
// prefixed readable logs. Ctrl-C stops all of it and leaves no process behind.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const core = createRequire(import.meta.url)(join(root, 'packages/core/dist/index.js'));
/** The development operator's password: for the local stack only, printed at start. */
const DEV_PASSWORD = 'switchboard-dev';
const env = { ...process.env };
const children = [];
let infraStartedHere = false;
let stopping = false;

const COLORS = [36, 33, 35, 32, 34, 96, 93];
const useColor = process.stdout.isTTY && !env.NO_COLOR;
const paint = (code, text) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const say = (text) => console.log(`${paint(1, '[stack]')} ${text}`);

function infra(command) {
  const result = spawnSync('bash', [join(root, 'scripts/infra.sh'), command], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { ok: result.status === 0, stdout: result.stdout ?? '' };
}

function startInfra() {
  if (env.KAFKA_BROKERS && env.REDIS_URL) {
    say(`using KAFKA_BROKERS=${env.KAFKA_BROKERS} REDIS_URL=${env.REDIS_URL}`);
    return;
  }
  infraStartedHere = !infra('status').ok;
  say('starting Kafka and Redis (first run downloads the Kafka jars; later runs take seconds)…');
  const up = infra('up');
  if (!up.ok) throw new Error('could not start Kafka/Redis; see the messages above');
  for (const line of up.stdout.trim().split('\n')) {
    const match = /^(KAFKA_BROKERS|REDIS_URL)=(.+)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
}

/** Pino JSON → one short line: time level message (conversation) extra fields. */
function pretty(line) {
  if (!line.startsWith('{')) return line;
  try {
    const {
      level,
      time,
      msg,
      service: _s,
      pid: _p,
      hostname: _h,
      conversation_id,
      event_id,
      ...rest
    } = JSON.parse(line);
    const when = typeof time === 'string' ? time.slice(11, 23) : '';
    const lvl = level === 'error' || level === 'fatal' ? paint(31, level) : level === 'warn' ? paint(33, level) : level;
    const ids = conversation_id ? ` conv=${conversation_id}` : '';
    const extra = Object.keys(rest).length ? ' ' + JSON.stringify(rest) : '';
    return `${when} ${lvl} ${msg ?? ''}${ids}${event_id ? ` event=${event_id}` : ''}${extra}`;
  } catch {
    return line;
  }
}

function run(name, script, color) {
  // Each child in its own process group: a terminal's Ctrl-C reaches only this runner, which then stops
  // the children once, in order, instead of every process getting SIGINT and then our SIGTERM on top.
  const child = spawn(process.execPath, [join(root, script)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const prefix = paint(color, `[${name.padEnd(10)}]`);
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) if (line.trim()) console.log(`${prefix} ${pretty(line)}`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping the stack`);
      shutdown(1);
    }
  });
  children.push({ name, child });
}

async function waitReady(name, url, timeoutMs = 120000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !stopping) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!stopping) throw new Error(`${name} did not become ready at ${url}`);
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  const alive = children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    alive.map(
      ({ child }) =>
        new Promise((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), 20000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  if (infraStartedHere) {
    say('stopping Kafka and Redis');
    infra('down');
  }
  say('stopped');
  process.exit(code);
}

async function main() {
  process.on('exit', () => children.forEach(({ child }) => child.exitCode === null && child.kill('SIGKILL')));
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  startInfra();

  const sandboxPort = env.SANDBOX_PORT ?? '8090';
  const statusPort = env.STATUS_PORT ?? '8081';
  const useSandbox = !env.SLACK_BOT_TOKEN || !env.ASANA_TOKEN;
  if (useSandbox) {
    const sandbox = `http://127.0.0.1:${sandboxPort}`;
    // The sandbox page's buttons and thread replies go to the status service, signed as Slack signs them.
    env.SANDBOX_SLACK_INTERACTIVITY_URL ??= `http://127.0.0.1:${statusPort}/slack/interactions`;
    env.SANDBOX_SLACK_EVENTS_URL ??= `http://127.0.0.1:${statusPort}/slack/events`;
    env.ASANA_WEBHOOK_TARGET_URL ??= `http://127.0.0.1:${statusPort}/asana/webhook`;
    env.SANDBOX_PORT = sandboxPort;
    env.SLACK_BOT_TOKEN ??= 'xoxb-sandbox-token';
    env.SLACK_API_URL ??= `${sandbox}/slack/api/`;
    env.SLACK_SIGNING_SECRET ??= 'sandbox-signing-secret';
    env.ASANA_TOKEN ??= 'sandbox-asana-token';
    env.ASANA_BASE_URL ??= `${sandbox}/asana/api/1.0`;
    env.ASANA_PROJECT_GID ??= '1200000000000001';
    env.ASANA_WORKSPACE_GID ??= '1100000000000001';
    run('sandbox', 'sandbox/dist/main.js', COLORS[6]);
    await waitReady('sandbox', `${sandbox}/_sandbox/state`);
  }
  // The example rules (refunds, legal threats, "talk to a human"…) unless told otherwise: a newcomer's first
  // "I want a refund, my lawyer…" should come out urgent, as it would with a real rules file.
  if (env.CLASSIFIER_RULES_FILE) say(`classifier rules: ${env.CLASSIFIER_RULES_FILE} (CLASSIFIER_RULES_FILE)`);
  else {
    env.CLASSIFIER_RULES_FILE = join(root, 'services/classifier/rules.example.yaml');
    say(
      'classifier rules: services/classifier/rules.example.yaml (the example; set CLASSIFIER_RULES_FILE to use yours)',
    );
  }
  // Deadlines (review/reply clocks, reminders, escalation) only with a policy: the example's webhook and
  // channels are placeholders, so it is not the default.
  if (env.SLA_POLICY_FILE) say(`SLA policy: ${env.SLA_POLICY_FILE} (SLA_POLICY_FILE)`);
  else say('SLA policy: none (set SLA_POLICY_FILE; services/status/src/sla/sla-policy.example.yaml shows one)');
  // Every service gets this same environment: the status service reads NOTIFIER_ROUTES and SLACK_TRIAGE_CHANNEL
  // as the notifier does, so a policy's `match: { route: [...] }` sees the channel the notifier posts to.
  if (env.SLA_POLICY_FILE && env.NOTIFIER_ROUTES)
    say(`routes: ${env.NOTIFIER_ROUTES} (NOTIFIER_ROUTES, notifier and status)`);
  env.INGRESS_API_KEYS ??= 'dev-bot:dev-key-change-me-0123456789';
  env.CONSOLE_BASE_URL ??= `http://localhost:${statusPort}/`;
  // The console: one development operator unless operators are configured, a fresh session secret per run.
  const devOperator = !env.CONSOLE_OPERATORS && !env.CONSOLE_OPERATORS_FILE && !env.CONSOLE_TRUSTED_HEADER;
  if (devOperator) env.CONSOLE_OPERATORS = `operator:${await core.hashPassword(DEV_PASSWORD)}`;
  env.CONSOLE_SESSION_SECRET ??= randomBytes(32).toString('hex');
  // Operator messages go to the example bot's webhook (`npm run example:bot` in another terminal).
  env.BOT_WEBHOOK_URL ??= 'http://127.0.0.1:8095/switchboard/webhook';
  const devBotSecret = !env.BOT_WEBHOOK_SECRET;
  env.BOT_WEBHOOK_SECRET ??= 'dev-bot-webhook-secret-change-me';

  const services = [
    ['ingress', env.INGRESS_PORT ?? 8080],
    ['classifier', env.CLASSIFIER_PORT ?? 9101],
    ['notifier', env.NOTIFIER_PORT ?? 9102],
    ['ticketer', env.TICKETER_PORT ?? 9103],
    ['status', statusPort],
  ];
  services.forEach(([name], i) => run(name, `services/${name}/dist/main.js`, COLORS[i]));
  await Promise.all(services.map(([name, port]) => waitReady(name, `http://127.0.0.1:${port}/readyz`)));

  const key = env.INGRESS_API_KEYS.split(',')[0].split(':').slice(1).join(':');
  say(paint(32, 'Switchboard is up.'));
  say(
    `  ingress   http://localhost:${services[0][1]}/v1/events   (API key: ${key.startsWith('sha256:') ? 'as configured' : key})`,
  );
  say(
    `  console   http://localhost:${services[4][1]}/console   ${devOperator ? `(sign in as operator / ${DEV_PASSWORD})` : '(your configured operators)'}`,
  );
  if (useSandbox) say(`  sandbox   http://localhost:${sandboxPort}/   (the triage channel and the Asana tasks)`);
  say(
    `  try: curl -s -X POST localhost:${services[0][1]}/v1/events -H 'Authorization: Bearer ${key}' -H 'Content-Type: application/json' \\`,
  );
  say(
    `         -d '{"conversation_id":"c1","user":{"id":"u1","name":"Ann"},"team":{"id":"t1","name":"Acme"},"text":"hi"}'`,
  );
  if (env.BOT_WEBHOOK_URL === 'http://127.0.0.1:8095/switchboard/webhook') {
    const secret = devBotSecret ? env.BOT_WEBHOOK_SECRET : '<your BOT_WEBHOOK_SECRET>';
    say(`  the bot   BOT_API_KEY=${key} BOT_WEBHOOK_SECRET=${secret} npm run example:bot   (in another terminal)`);
  }
  say('Ctrl-C stops everything.');
}

main().catch((err) => {
  console.error(`[stack] ${err.message}`);
  shutdown(1);
});
