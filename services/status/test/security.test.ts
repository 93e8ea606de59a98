// The security review's attacks (issue 13, items 1, 2, 4, 5, 7 and 8), performed against the running
// status service (real Kafka and Redis, the sandbox behind the real Slack and Asana clients, the example
// bot on its webhook), each shown refused. Requests from a second loopback address (127.0.0.2) stand for
// a peer that is not the proxy.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '@switchboard/sandbox';
import { ExampleBot } from '@switchboard/example-bot';
import { createLogger, createMetrics, scopeId } from '@switchboard/core';
import { ConversationRefs, connectRedis, createRedis } from '@switchboard/store';
import { TestSystem, eventually, freePort } from '../../../test/support/services';
import { AsanaApi } from '../src/asana/asana-client';
import { ensureAsanaWebhook } from '../src/asana/asana-registration';
import { AsanaWebhookSecrets } from '../src/asana/asana-webhook-secrets';
import { hashPassword } from '@switchboard/core';
import { slackSignature } from '../src/signatures';
import { statusKeys } from '../src/status-keys';

const SIGNING_SECRET = 'security-test-signing-secret';
const WEBHOOK_SECRET = 'security-test-bot-webhook-secret';
const SESSION_SECRET = 'a-console-session-secret-of-32-chars-or-more';
const API_KEY = 'security-key-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';
const PROXY = '127.0.0.1';
const STRANGER = '127.0.0.2';

jest.setTimeout(180000);

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One HTTP request from a chosen local address (fetch cannot pick its source address). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, localAddress: options.from ?? PROXY },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** An open server-sent event stream; `ended` settles when the server closes it. */
function openStream(url: string, cookie: string): Promise<{ ended: Promise<void>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { cookie } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
      const ended = new Promise<void>((done) => res.on('end', () => done()).on('close', () => done()));
      res.resume();
      resolve({ ended, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const hidden = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] ?? '';

describe('the status service under attack', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let bot: ExampleBot;
  let system: TestSystem;
  let proxied: TestSystem;
  let dir: string;
  let operatorsFile: string;
  const redis = createRedis(
    process.env.REDIS_URL ?? 'redis://localhost:6379',
    createLogger({ service: 'test', level: 'silent' }),
  );
  let keys: ReturnType<typeof statusKeys>;

  const operators = async (logins: string[]) => {
    const hash = await hashPassword(PASSWORD, { N: 1024 });
    const entries = logins.map(
      (login) => `  - { login: ${login}, name: ${login}, email: ${login}@example.test, passwordHash: "${hash}" }`,
    );
    writeFileSync(operatorsFile, `operators:\n${entries.join('\n')}\n`);
  };

  beforeAll(async () => {
    await connectRedis(redis, createLogger({ service: 'test', level: 'silent' }));
    dir = mkdtempSync(join(tmpdir(), 'status-security-'));
    operatorsFile = join(dir, 'operators.yaml');
    await operators(['olivia', 'oscar']);
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    bot = new ExampleBot({
      ingressUrl: 'http://127.0.0.1:1',
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      log: () => undefined,
    });
    const botUrl = await bot.start();
    const port = await freePort();
    system = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-security',
      SLACK_API_URL: sandbox.slackApiUrl,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      // Olivia through the user group; the guest named by id is still refused.
      SLACK_ALLOWED_OPERATORS: 'S0SANDBOXOPS,U0SANDBOXGST',
      ASANA_TOKEN: 'asana-security',
      ASANA_BASE_URL: sandbox.asanaBaseUrl,
      ASANA_PROJECT_GID: '1200000000000001',
      ASANA_WORKSPACE_GID: '1100000000000001',
      ASANA_WEBHOOK_TARGET_URL: `http://127.0.0.1:${port}/asana/webhook`,
      INGRESS_API_KEYS: `security-bot:${API_KEY}`,
      CONSOLE_BASE_URL: `http://127.0.0.1:${port}/`,
      CONSOLE_OPERATORS_FILE: operatorsFile,
      CONSOLE_SESSION_SECRET: SESSION_SECRET,
      CONSOLE_SESSION_IDLE_MINUTES: '30',
      STATUS_TRUST_PROXY: `${PROXY}/32`,
      BOT_WEBHOOK_URL: botUrl,
      BOT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    keys = statusKeys(system.env.REDIS_KEY_PREFIX);
    await system.start('status', { STATUS_PORT: String(port) });
    proxied = new TestSystem({
      INGRESS_API_KEYS: `security-bot:${API_KEY}`,
      CONSOLE_TRUSTED_HEADER: 'x-auth-request-email',
      CONSOLE_TRUSTED_PROXY_CIDRS: `${PROXY}/32`,
      CONSOLE_SESSION_SECRET: SESSION_SECRET,
    });
    await proxied.start('status');
  });

  afterAll(async () => {
    await system?.stopAll();
    await proxied?.stopAll();
    await bot?.stop();
    await sandbox?.close();
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  const url = (path: string) => system.url('status', path);
  const signIn = async (login: string, clientAddress: string) => {
    const res = await send(url('/console/login'), {
      method: 'POST',
      headers: { ...FORM, 'x-forwarded-for': clientAddress },
      body: form({ login, password: PASSWORD }),
    });
    expect(res.status).toBe(303);
    return String(res.headers['set-cookie']).split(';')[0];
  };
  const csrfOf = async (cookie: string) => hidden((await send(url('/console'), { headers: { cookie } })).body, '_csrf');

  describe('1. the trusted sign-in header', () => {
    it('is honoured from the proxy and ignored from any other peer', async () => {
      const header = { 'x-auth-request-email': 'olivia@example.test' };
      const spoofed = await send(proxied.url('status', '/console'), { headers: header, from: STRANGER });
      expect(spoofed.status).toBe(401);
      expect(spoofed.body).toContain('sign-in required');
      const fromProxy = await send(proxied.url('status', '/console'), { headers: header, from: PROXY });
      expect(fromProxy.status).toBe(200);
      expect(fromProxy.body).toContain('olivia@example.test');
    });

    it('refuses to start with the header but without the proxy addresses, or with STATUS_TRUST_PROXY=true', async () => {
      const careless = new TestSystem({
        INGRESS_API_KEYS: `security-bot:${API_KEY}`,
        CONSOLE_TRUSTED_HEADER: 'x-auth-request-email',
        CONSOLE_SESSION_SECRET: SESSION_SECRET,
      });
      await expect(careless.start('status')).rejects.toThrow(
        /CONSOLE_TRUSTED_PROXY_CIDRS.*required with CONSOLE_TRUSTED_HEADER/,
      );
      const everyHop = new TestSystem({ INGRESS_API_KEYS: `security-bot:${API_KEY}`, STATUS_TRUST_PROXY: 'true' });
      await expect(everyHop.start('status')).rejects.toThrow(/STATUS_TRUST_PROXY.*every hop/);
    });
  });

  describe('2. the sign-in attempt limit', () => {
    it('counts a peer that is not a proxy by its own address, however it rotates X-Forwarded-For', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i += 1) {
        const res = await send(url('/console/login'), {
          method: 'POST',
          headers: { ...FORM, 'x-forwarded-for': `203.0.113.${i + 1}` },
          body: form({ login: `guess-${i}`, password: 'wrong' }),
          from: STRANGER,
        });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
    });

    it('limits the attempts against one login whatever the address, without locking out anyone else', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i += 1) {
        const res = await send(url('/console/login'), {
          method: 'POST',
          headers: { ...FORM, 'x-forwarded-for': `198.51.100.${i + 1}` },
          body: form({ login: 'target', password: `try-${i}` }),
        });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses[10]).toBe(429);
      await signIn('olivia', '198.51.100.200');
    });
  });

  describe('4. the Asana webhook handshake', () => {
    it('registers at an unguessable target and takes a handshake only there, only during registration', async () => {
      const webhooks = await eventually(
        async () => {
          const res = await fetch(
            `${sandbox.asanaBaseUrl}/webhooks?workspace=1100000000000001&resource=1200000000000001`,
            { headers: { authorization: 'Bearer asana-security' } },
          );
          return ((await res.json()) as { data: { target: string }[] }).data;
        },
        (list) => list.length === 1,
        30000,
        'the webhook to be registered',
      );
      const target = webhooks[0].target;
      expect(target).toMatch(/\/asana\/webhook\/[A-Za-z0-9_-]{32}$/);
      const attempt = (path: string) =>
        send(url(path), { method: 'POST', headers: { 'x-hook-secret': 'planted-by-attacker' }, body: '' });
      expect((await attempt('/asana/webhook')).status).toBe(403);
      expect((await attempt(`/asana/webhook/${randomBytes(24).toString('base64url')}`)).status).toBe(403);
      // The real target, but no registration is under way any more.
      expect((await attempt(new URL(target).pathname)).status).toBe(403);
      expect(await redis.get(keys.asanaWebhookSecret())).not.toBe('planted-by-attacker');
      // Another replica starting now finds the webhook in place and registers nothing.
      const api = new AsanaApi(
        {
          token: 'asana-security',
          baseUrl: sandbox.asanaBaseUrl,
          workspaceGid: '1100000000000001',
          projectGid: '1200000000000001',
        },
        createMetrics('test'),
      );
      const deps = {
        api,
        secrets: new AsanaWebhookSecrets(redis, keys),
        redis,
        keys,
        logger: createLogger({ service: 'test', level: 'silent' }),
      };
      expect(await ensureAsanaWebhook(deps, system.env.ASANA_WEBHOOK_TARGET_URL)).toBe('exists');
    });
  });

  describe('5. console sessions', () => {
    it('ends the session and its live streams on sign-out', async () => {
      const cookie = await signIn('olivia', '192.0.2.10');
      expect(await redis.ttl(keys.consoleSession(cookie.split('=')[1].split('.')[0]))).toBeLessThanOrEqual(30 * 60);
      const stream = await openStream(url('/console/stream'), cookie);
      const out = await send(url('/console/logout'), {
        method: 'POST',
        headers: { ...FORM, cookie },
        body: form({ _csrf: await csrfOf(cookie) }),
      });
      expect(out.status).toBe(303);
      await stream.ended;
      const after = await send(url('/console'), { headers: { cookie } });
      expect(after.status).toBe(303);
      expect(after.headers.location).toContain('/console/login');
    });

    it('ends every session of an operator removed from the operators file at once', async () => {
      const cookie = await signIn('oscar', '192.0.2.11');
      const stream = await openStream(url('/console/stream'), cookie);
      await operators(['olivia']);
      await stream.ended;
      const after = await send(url('/console'), { headers: { cookie } });
      expect(after.status).toBe(303);
      await operators(['olivia', 'oscar']);
    });
  });

  describe('7. Slack operators', () => {
    const click = (userId: string, conversationId: string) => {
      const payload = {
        type: 'block_actions',
        user: { id: userId, name: userId.toLowerCase() },
        channel: { id: 'C0TRIAGESEC' },
        // The button carries Switchboard's id of the conversation: the bot's own, scoped by the bot's key name.
        actions: [
          {
            action_id: 'sb_takeover',
            value: scopeId('security-bot', conversationId),
            type: 'button',
            action_ts: `${Date.now() / 1000}`,
          },
        ],
      };
      const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
      const at = Math.floor(Date.now() / 1000);
      return send(url('/slack/interactions'), {
        method: 'POST',
        headers: {
          ...FORM,
          'x-slack-request-timestamp': String(at),
          'x-slack-signature': slackSignature(SIGNING_SECRET, at, body),
        },
        body,
      });
    };
    const control = async (conversationId: string) =>
      (
        (await (
          await fetch(url(`/v1/conversations/${conversationId}/control`), {
            headers: { authorization: `Bearer ${API_KEY}` },
          })
        ).json()) as { control: string }
      ).control;
    const ephemeral = async () =>
      (await (await fetch(`${sandbox.url}/_sandbox/slack/ephemeral`)).json()) as { userId: string; text: string }[];

    it.each([
      ['a guest, even one named in SLACK_ALLOWED_OPERATORS', 'U0SANDBOXGST'],
      ['a Slack Connect user of another workspace', 'U0SANDBOXEXT'],
      ['a full member outside SLACK_ALLOWED_OPERATORS', 'U0SANDBOXOP2'],
    ])('refuses a signed click from %s and tells them so, ephemerally', async (_who, userId) => {
      const conversationId = `conv-click-${userId}`;
      expect((await click(userId, conversationId)).status).toBe(200);
      expect(await control(conversationId)).toBe('bot');
      expect((await ephemeral()).filter((m) => m.userId === userId).at(-1)?.text).toMatch(/not allowed/);
    });

    it('refuses a thread reply from a guest: nothing reaches the user, the guest is told ephemerally', async () => {
      const conversationId = `conv-reply-${randomBytes(4).toString('hex')}`;
      const root = { channel: 'C0TRIAGESEC', ts: `${Math.floor(Date.now() / 1000)}.000100` };
      await new ConversationRefs(redis, keys).setSlackRoot(conversationId, root);
      const reply = (userId: string, text: string) => {
        const body = JSON.stringify({
          type: 'event_callback',
          event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
          team_id: 'T0SANDBOX0',
          event: {
            type: 'message',
            channel: root.channel,
            user: userId,
            text,
            ts: `${Date.now() / 1000}`,
            thread_ts: root.ts,
          },
        });
        const at = Math.floor(Date.now() / 1000);
        return send(url('/slack/events'), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-slack-request-timestamp': String(at),
            'x-slack-signature': slackSignature(SIGNING_SECRET, at, body),
          },
          body,
        });
      };
      const told = async () => (await ephemeral()).filter((m) => m.userId === 'U0SANDBOXGST').length;
      const before = await told();
      expect((await reply('U0SANDBOXGST', 'hello from a guest')).status).toBe(200);
      expect(await told()).toBe(before + 1);
      expect((await reply('U0SANDBOXOP1', 'hello from olivia')).status).toBe(200);
      await eventually(
        async () => bot.received.filter((m) => m.conversationId === conversationId).map((m) => m.text),
        (texts) => texts.length > 0,
        30000,
        'olivia’s reply to reach the bot',
      );
      expect(bot.received.filter((m) => m.conversationId === conversationId).map((m) => m.text)).toEqual([
        'hello from olivia',
      ]);
    });

    it('takes the click of a member of an allowed user group', async () => {
      expect((await click('U0SANDBOXOP1', 'conv-click-olivia')).status).toBe(200);
      expect(await control('conv-click-olivia')).toBe('human');
    });
  });

  describe('8. smaller ones', () => {
    it('never logs the login field of a failed sign-in', async () => {
      const typedIntoLogin = `my-real-password-${randomBytes(4).toString('hex')}`;
      const res = await send(url('/console/login'), {
        method: 'POST',
        headers: { ...FORM, 'x-forwarded-for': '192.0.2.50' },
        body: form({ login: typedIntoLogin, password: '' }),
      });
      expect(res.status).toBe(401);
      const output = system.services.get('status')!.output;
      await eventually(
        async () => output.filter((line) => line.includes('console sign-in refused')).length,
        (n) => n > 0,
        10000,
        'the refusal to be logged',
      );
      expect(output.some((line) => line.includes(typedIntoLogin))).toBe(false);
    });

    it('acts once on a console reply sent twice with the same form id (a resend after a 503)', async () => {
      const conversationId = `conv-form-${randomBytes(4).toString('hex')}`;
      await redis.hset(keys.consoleConversation(conversationId), {
        id: conversationId,
        userId: 'u-form',
        platform: 'web',
      });
      const cookie = await signIn('olivia', '192.0.2.60');
      const page = async () =>
        (await send(url(`/console/conversations/${conversationId}`), { headers: { cookie } })).body;
      const first = await page();
      const reply = (html: string, text: string) =>
        send(url(`/console/conversations/${conversationId}/messages`), {
          method: 'POST',
          headers: { ...FORM, cookie },
          body: form({
            text,
            _csrf: hidden(html, '_csrf'),
            _form:
              /class="reply">\s*<input type="hidden" name="_csrf" value="[^"]+"><input type="hidden" name="_form" value="([^"]+)"/.exec(
                html,
              )![1],
          }),
        });
      expect((await reply(first, 'only once, please')).status).toBe(303);
      expect((await reply(first, 'only once, please')).status).toBe(303);
      expect((await reply(await page(), 'and then this')).status).toBe(303);
      await eventually(
        async () => bot.received.filter((m) => m.conversationId === conversationId).length,
        (n) => n >= 2,
        30000,
        'the replies to reach the bot',
      );
      expect(bot.received.filter((m) => m.conversationId === conversationId).map((m) => m.text)).toEqual([
        'only once, please',
        'and then this',
      ]);
    });
  });
});
