// Triage end to end: two status replicas (real processes, real Kafka and Redis) consume conversations
// reviewed, answered and closed at known offsets (one review redelivered); together their /metrics count
// each fact once in the right bucket, both serve the same open-conversations gauge; the console lists them,
// exports one row each (CSV, NDJSON, with the Slack/Asana refs) and draws the stats page; signed out, no;
// the rebuild from the topics gives the same rows and gauge.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Publisher, TopicNames, Topics, createKafka } from '@switchboard/bus';
import { createLogger } from '@switchboard/core';
import {
  ClassifiedEventSchema,
  Direction,
  EventKind,
  OperatorMessageSchema,
  Priority,
  StatusChange,
  StatusEventSchema,
  create,
  timestampFromMs,
} from '@switchboard/proto';
import { ConversationRefs, connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { ROOT, TestSystem, eventually, type RunningService } from '../../../test/support/services';
import { hashPassword } from '@switchboard/core';

jest.setTimeout(180000);
const quiet = createLogger({ service: 'triage-test', level: 'silent' });
const T0 = Date.now() - 3600_000;
const PASSWORD = 'correct horse battery staple';

/** Sums a sample over every scrape given (one per replica). */
function sample(scrapes: string[], name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const text of scrapes) {
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`)) continue;
      const body = line.slice(name.length + 1, line.lastIndexOf('}'));
      const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (Object.entries(labels).every(([k, v]) => got[k] === v))
        total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

describe('triage metrics', () => {
  let system: TestSystem;
  let publisher: Publisher;
  let first: RunningService | undefined;
  let redis: Redis;
  const c = (n: number) => `triage-${system.id}-${n}`;

  beforeAll(async () => {
    system = new TestSystem({
      LOG_LEVEL: 'warn',
      INGRESS_API_KEYS: 'triage:triage-key-0123456789',
      CONSOLE_BASE_URL: 'http://127.0.0.1/',
      CONSOLE_OPERATORS: `olga:${await hashPassword(PASSWORD, { N: 1024 })}`,
      CONSOLE_SESSION_SECRET: 'a-console-session-secret-of-32-chars-or-more',
    });
    redis = createRedis(system.env.REDIS_URL, quiet);
    await connectRedis(redis, quiet);
    publisher = new Publisher(
      createKafka({ brokers: system.env.KAFKA_BROKERS.split(','), clientId: 'triage-test', logger: quiet }),
      new TopicNames(system.env.KAFKA_TOPIC_PREFIX),
    );
    await publisher.connect();
  });
  afterAll(async () => {
    if (first && first.process.exitCode === null) {
      const exited = new Promise((resolve) => first!.process.once('exit', resolve));
      first.process.kill('SIGTERM');
      await exited;
    }
    await system?.stopAll();
    await publisher?.disconnect();
    redis?.disconnect();
  });

  const message = (conversationId: string, offsetS: number, priority: Priority) =>
    create(ClassifiedEventSchema, {
      message: {
        eventId: `${conversationId}-m${offsetS}`,
        conversationId,
        text: 'help',
        platform: 'web',
        user: { id: `u-${conversationId}`, name: 'Ann' },
        team: { id: 't1', name: 'Acme' },
        direction: Direction.USER,
        sentAt: timestampFromMs(T0 + offsetS * 1000),
      },
      kind: EventKind.MESSAGE,
      priority,
    });
  const status = (
    conversationId: string,
    offsetS: number,
    change: StatusChange,
    eventId = `${conversationId}-s${offsetS}`,
  ) =>
    create(StatusEventSchema, {
      eventId,
      conversationId,
      change,
      actor: { name: 'Olga', source: 'console' },
      at: timestampFromMs(T0 + offsetS * 1000),
    });

  it('counts each fact once across replicas, in the bucket of its offset, and serves the open gauge from Redis', async () => {
    // Two replicas in one consumer group, as with replicas: 2 in the chart (the system keeps the second; the first is ours to stop).
    first = await system.start('status');
    const second = await system.start('status');
    const replicas = [first.port, second.port];

    await publisher.publish(Topics.classified, [
      { key: c(1), value: message(c(1), 0, Priority.HIGH) },
      { key: c(2), value: message(c(2), 0, Priority.HIGH) },
      { key: c(3), value: message(c(3), 0, Priority.HIGH) },
      { key: c(4), value: message(c(4), 0, Priority.URGENT) },
      { key: c(5), value: message(c(5), 0, Priority.NORMAL) },
      { key: c(6), value: message(c(6), 0, Priority.LOW) },
      { key: c(1), value: message(c(1), 5, Priority.HIGH) },
    ]);
    await publisher.publish(Topics.status, [
      { key: c(1), value: status(c(1), 20, StatusChange.REVIEWED, 'review-1') },
      { key: c(1), value: status(c(1), 20, StatusChange.REVIEWED, 'review-1') }, // redelivered
      { key: c(2), value: status(c(2), 45, StatusChange.REVIEWED) },
      { key: c(3), value: status(c(3), 90, StatusChange.REVIEWED) },
      { key: c(4), value: status(c(4), 600, StatusChange.REVIEWED) },
      { key: c(6), value: status(c(6), 30, StatusChange.SPAM) },
      { key: c(2), value: status(c(2), 300, StatusChange.CLOSED) },
    ]);
    await publisher.publish(Topics.outbound, [
      {
        key: c(1),
        value: create(OperatorMessageSchema, {
          eventId: `${c(1)}-o`,
          conversationId: c(1),
          operator: { name: 'Olga' },
          text: 'hello',
          sentAt: timestampFromMs(T0 + 100_000),
        }),
      },
    ]);

    const scrape = async () =>
      Promise.all(replicas.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
    const review = (scrapes: string[], priority: string, le: string) =>
      sample(scrapes, 'switchboard_time_to_review_seconds_bucket', { priority, le });
    const scrapes = await eventually(
      scrape,
      (s) =>
        review(s, 'high', '+Inf') === 3 &&
        review(s, 'urgent', '+Inf') === 1 &&
        sample(s, 'switchboard_time_to_close_seconds_count', { priority: 'high' }) === 1 &&
        sample(s, 'switchboard_time_to_first_human_reply_seconds_count', { priority: 'high' }) === 1,
      60000,
      'the facts on /metrics',
    );
    expect([15, 30, 60, 120, 600].map((le) => review(scrapes, 'high', String(le)))).toEqual([0, 1, 2, 3, 3]);
    expect([300, 600].map((le) => review(scrapes, 'urgent', String(le)))).toEqual([0, 1]);
    expect(sample(scrapes, 'switchboard_time_to_review_seconds_sum', { priority: 'high' })).toBe(20 + 45 + 90);
    expect(sample(scrapes, 'switchboard_time_to_first_human_reply_seconds_sum', { priority: 'high' })).toBe(100);
    expect(sample(scrapes, 'switchboard_time_to_close_seconds_sum', { priority: 'high' })).toBe(300);
    // Label sets nothing was observed for are served at 0 from start-up.
    for (const name of [
      'switchboard_time_to_review_seconds_count',
      'switchboard_time_to_first_human_reply_seconds_count',
      'switchboard_time_to_close_seconds_count',
    ]) {
      expect(scrapes[0]).toMatch(new RegExp(`^${name}\\{[^}]*priority="low"[^}]*\\} 0$`, 'm'));
    }
    // Every replica serves the same gauge, read from Redis: c1 and c3 reviewed (c2 closed), c4 reviewed, c5 waiting, c6 spam.
    for (const text of scrapes) {
      const open = (state: string, priority: string) =>
        sample([text], 'switchboard_open_conversations', { state, priority });
      expect({
        reviewedHigh: open('reviewed', 'high'),
        reviewedUrgent: open('reviewed', 'urgent'),
        unreviewedNormal: open('unreviewed', 'normal'),
        unreviewedLow: open('unreviewed', 'low'),
        takenOver: open('taken_over', 'high'),
      }).toEqual({
        reviewedHigh: 2,
        reviewedUrgent: 1,
        unreviewedNormal: 1,
        unreviewedLow: 0,
        takenOver: 0,
      });
    }
  });

  it('lists, exports and plots them for a signed-in operator, and refuses the signed-out', async () => {
    const base = `http://127.0.0.1:${system.services.get('status')!.port}`;
    for (const path of [
      '/console/export?format=csv',
      '/console/stats',
      '/console/export?format=ndjson&since=2020-01-01',
    ]) {
      const res = await fetch(base + path, { redirect: 'manual' });
      expect({ path, status: res.status, location: res.headers.get('location') }).toEqual({
        path,
        status: 303,
        location: `/console/login?next=${encodeURIComponent(path)}`,
      });
    }
    const login = await fetch(`${base}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'olga', password: PASSWORD }).toString(),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const get = (path: string) => fetch(base + path, { headers: { cookie }, redirect: 'manual' });

    // The refs the notifier and the ticketer record.
    const refs = new ConversationRefs(redis, createKeys(system.env.REDIS_KEY_PREFIX));
    await refs.setSlackRoot(c(1), { channel: 'C1', ts: '1.0', permalink: 'https://slack.test/archives/C1/p10' });
    await refs.setAsanaTask(c(1), { gid: '77', permalinkUrl: 'https://asana.test/0/1/77' });

    // The list: all six, newest first, by state.
    const list = await (await get('/console')).text();
    for (let n = 1; n <= 6; n++) expect(list).toContain(`data-conversation-id="${c(n)}"`);
    const unreviewed = await (await get('/console?status=unreviewed')).text();
    expect([1, 2, 3, 4, 5, 6].filter((n) => unreviewed.includes(`data-conversation-id="${c(n)}"`))).toEqual([5]);
    expect((await get('/console?cursor=nonsense')).status).toBe(400);

    const since = encodeURIComponent(new Date(T0 - 60_000).toISOString());
    const csvRes = await get(`/console/export?since=${since}&format=csv`);
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get('content-type')).toContain('text/csv');
    const lines = (await csvRes.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,team,user,platform,priority,tags,started_at,reviewed_at,reviewed_by,taken_over_at,first_human_reply_at,closed_at,spam,messages,asana_task_url,slack_permalink',
    );
    const ours = lines.slice(1).filter((l) => l.startsWith(`triage-${system.id}-`));
    expect(ours).toHaveLength(6);
    const at = (s: number) => new Date(T0 + s * 1000).toISOString();
    expect(ours.find((l) => l.startsWith(`${c(1)},`))).toBe(
      `${c(1)},Acme,Ann,web,high,,${at(0)},${at(20)},Olga,,${at(100)},,false,2,https://asana.test/0/1/77,https://slack.test/archives/C1/p10`,
    );
    expect(ours.find((l) => l.startsWith(`${c(2)},`))).toBe(
      `${c(2)},Acme,Ann,web,high,,${at(0)},${at(45)},Olga,,,${at(300)},false,1,,`,
    );

    const ndjson = (await (await get(`/console/export?since=${since}&format=ndjson`)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ndjson.find((r) => r.id === c(6))).toMatchObject({
      priority: 'low',
      spam: true,
      reviewed_at: null,
      messages: 1,
    });
    expect(ndjson.find((r) => r.id === c(4))).toMatchObject({ priority: 'urgent', reviewed_at: at(600) });
    for (const bad of [
      '/console/export?since=yesterday',
      '/console/export?format=xlsx',
      '/console/export?since=2026-02-01&until=2026-01-01',
    ]) {
      const res = await get(bad);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(((await res.json()) as { error: string }).error.length).toBeGreaterThan(10);
    }

    const stats = await get('/console/stats?window=7d');
    expect(stats.status).toBe(200);
    expect(stats.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await stats.text();
    expect(html).toContain('<svg id="daily-plot"');
    expect(html).toMatch(/<rect class="bar"/);
    expect(html).not.toMatch(/<script>|<script [^s]|style="/);
    expect(html).toContain('What these numbers mean');
    expect(html).toMatch(/<td>Olga<\/td>/);
    expect((await get('/console/stats?window=year')).status).toBe(400);
  });

  it('rebuilds the same timelines from the topics, with the service running', async () => {
    const base = `http://127.0.0.1:${system.services.get('status')!.port}`;
    const login = await fetch(`${base}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'olga', password: PASSWORD }).toString(),
      redirect: 'manual',
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    const snapshot = async () => {
      const text = await (await fetch(`${base}/console/export?format=ndjson`, { headers: { cookie } })).text();
      const rows = text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const open = metrics
        .split('\n')
        .filter((l) => l.startsWith('switchboard_open_conversations{'))
        .sort();
      return {
        rows: rows
          .filter((r) => String(r.id).startsWith(`triage-${system.id}-`))
          .sort((a, b) => String(a.id).localeCompare(String(b.id))),
        open,
      };
    };
    const before = await snapshot();
    expect(before.rows).toHaveLength(6);
    // Something to rebuild from scratch: the timelines go, as with a Redis lost without persistence.
    await redis.del(`${system.env.REDIS_KEY_PREFIX}conv:${c(2)}:timeline`);

    const child = spawn(process.execPath, [join(ROOT, 'services/status/dist/rebuild-timelines.js'), '--yes'], {
      env: { ...system.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: string[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b.toString()));
    child.stderr!.on('data', (b: Buffer) => out.push(b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, out: code === 0 ? '' : out.join('') }).toEqual({ code: 0, out: '' });
    const result = JSON.parse(out.join('').trim().split('\n').pop()!) as {
      events: number;
      applied: number;
      deletedKeys: number;
    };
    expect(result.events).toBe(7 + 7 + 1);
    expect(result.deletedKeys).toBeGreaterThan(6);
    expect(await snapshot()).toEqual(before);
  });
});
