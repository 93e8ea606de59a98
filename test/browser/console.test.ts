// The console in a real browser (Debian's Chromium driven by playwright-core): an operator signs in,
// opens a conversation, sees the user's next message appear without reloading, takes over, replies as
// the bot, and the example bot receives the reply on its webhook; the stats page shows its server-drawn plot.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { hashPassword } from '@switchboard/core';
import { startSandbox } from '@switchboard/sandbox';
import { ExampleBot } from '@switchboard/example-bot';
import { TestSystem, eventually } from '../support/services';

const API_KEY = 'browser-key-0123456789abcdef';
const WEBHOOK_SECRET = 'browser-bot-webhook-secret';
const PASSWORD = 'browser test password';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);

if (!available && !process.env.CI) {
  console.warn(
    `${CHROMIUM} not found: the browser test is skipped (bash scripts/ci/install-chromium.sh installs it; CI always runs it)`,
  );
}
const describeIfBrowser = available || process.env.CI ? describe : describe.skip;

jest.setTimeout(180000);

describeIfBrowser('the console in a browser', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;
  let bot: ExampleBot;
  let browser: Browser;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    bot = new ExampleBot({
      ingressUrl: 'http://127.0.0.1:1',
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      log: () => undefined,
    });
    const botUrl = await bot.start();
    system = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-browser',
      SLACK_API_URL: sandbox.slackApiUrl,
      ASANA_TOKEN: 'asana-browser',
      ASANA_BASE_URL: sandbox.asanaBaseUrl,
      ASANA_PROJECT_GID: '1200000000000001',
      INGRESS_API_KEYS: `browser-bot:${API_KEY}`,
      INGRESS_RATE_PER_SECOND: '0',
      CONSOLE_OPERATORS: `olivia:${await hashPassword(PASSWORD, { N: 1024 })}`,
      CONSOLE_SESSION_SECRET: 'a-browser-test-session-secret-0123456789',
      BOT_WEBHOOK_URL: botUrl,
      BOT_WEBHOOK_SECRET: WEBHOOK_SECRET,
    });
    await Promise.all((['ingress', 'classifier', 'status'] as const).map((name) => system.start(name)));
    (bot as unknown as { options: { ingressUrl: string } }).options.ingressUrl = system.url('ingress');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // This machine has no network beyond loopback: keep Chromium from reaching out for updates and sync.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stopAll();
    await bot?.stop();
    await sandbox?.close();
  });

  it('signs in, follows a conversation live, takes over and replies as the bot', async () => {
    const who = {
      conversationId: 'browser-conv',
      user: { id: 'u-b', name: 'Bea' },
      team: { id: 't-b', name: 'Beta Inc' },
    };
    await bot.userSays(who, 'Hello, I need help with <b>my invoice</b>');

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });

    await page.goto(system.url('status', '/console'));
    expect(page.url()).toContain('/console/login');
    await page.fill('input[name=login]', 'olivia');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console$/);

    await eventually(
      async () => {
        await page.reload();
        return page.locator('a', { hasText: 'Bea' }).count();
      },
      (n) => n > 0,
      30000,
      'the conversation in the list',
    );
    await page.click('a:has-text("Bea")');
    // The console names conversations by Switchboard's id, scoped by the bot: browser-bot:browser-conv.
    await page.waitForURL(/\/console\/conversations\/browser-bot%3Abrowser-conv$/);
    await page.waitForSelector('body[data-live="on"]');
    // User text is shown as text: the <b> is not a tag.
    expect(await page.locator('#transcript').innerText()).toContain('<b>my invoice</b>');

    // A new message appears without a reload.
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations += 1;
    });
    await bot.userSays(who, 'Are you still there?');
    await page.waitForSelector('#transcript li:has-text("Are you still there?")', { timeout: 30000 });
    expect(navigations).toBe(0);

    await page.click('button.action-takeover');
    await page.waitForSelector('#status .badge.human', { timeout: 30000 });
    await page.fill('#reply-text', 'Hi Bea, Olivia here. Let me check your invoice.');
    await page.click('form.reply button[type=submit]');

    const received = await eventually(
      async () => bot.received.filter((m) => m.conversationId === 'browser-conv'),
      (m) => m.length > 0,
      30000,
      'the bot to receive the reply',
    );
    expect(received[0].text).toBe('Hi Bea, Olivia here. Let me check your invoice.');
    expect(received[0].operator.name).toBe('olivia');
    await page.waitForSelector('#transcript li.from-operator:has-text("Olivia here")', { timeout: 30000 });
    // While taken over the bot is told to stay silent.
    expect(await bot.userSays(who, 'thank you')).toBe('human');
    // The first reply made Olivia the owner; closing offers Reopen and no longer Assign to me.
    await page.waitForSelector('#status .badge.owner:has-text("owner olivia")', { timeout: 30000 });
    await page.click('button.action-close');
    await page.waitForSelector('#status .badge.closed', { timeout: 30000 });
    await page.waitForSelector('form[data-action="reopen"]:not([hidden])', { timeout: 30000 });
    expect(await page.locator('form[data-action="assign_me"]').isHidden()).toBe(true);

    // The stats page: the plot drawn on the server shows (no CSP complaint), and Olivia's first reply counts.
    await page.click('a:has-text("All conversations")');
    await page.click('a:has-text("Triage stats")');
    await page.waitForURL(/\/console\/stats$/);
    const plot = page.locator('svg#daily-plot');
    expect(await plot.isVisible()).toBe(true);
    expect((await plot.boundingBox())!.width).toBeGreaterThan(100);
    expect(await page.locator('svg#daily-plot rect.bar').count()).toBe(7);
    expect(await page.locator('table.stats').last().innerText()).toContain('olivia');
    expect(errors).toEqual([]);
  });
});
