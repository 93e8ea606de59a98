// The dashboard and the alerts against a real scrape: the five services with the sandbox, some traffic
// (new conversations, thread replies, a Slack/Asana outage, a poison message), Debian's Prometheus scraping
// them every second with the chart's alert rules loaded; a review, a close and a reply for the Triage row. Then every dashboard query must parse and return
// series, and every alert expression must parse and every metric it reads must exist.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startSandbox } from '@switchboard/sandbox';
import { createLogger, scopeId } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka } from '@switchboard/bus';
import { OperatorMessageSchema, StatusChange, StatusEventSchema, create, timestampNow } from '@switchboard/proto';
import { ROOT, TestSystem, eventually, freePort, type ServiceName } from '../support/services';

const API_KEY = 'observability-key-0123456789';
const PROMETHEUS = process.env.PROMETHEUS_PATH ?? '/usr/bin/prometheus';
const SERVICES: ServiceName[] = ['ingress', 'classifier', 'notifier', 'ticketer', 'status'];
const available = existsSync(PROMETHEUS);
if (!available && !process.env.CI)
  console.warn(
    `${PROMETHEUS} not found: the scrape test is skipped (bash scripts/ci/install-tools.sh installs it; CI always runs it)`,
  );
const describeIfPrometheus = available || process.env.CI ? describe : describe.skip;

jest.setTimeout(300000);

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}
interface QueryResult {
  status: string;
  error?: string;
  data?: { result: unknown[] };
}

describeIfPrometheus('the dashboard and alerts against a real Prometheus', () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let system: TestSystem;
  let prometheus: ChildProcess;
  let promUrl: string;
  let dir: string;
  const promLog: string[] = [];

  beforeAll(async () => {
    // Under CI the suite runs even without the binary, so that a missing Prometheus fails rather than skips.
    if (!available)
      throw new Error(
        `${PROMETHEUS} not found: CI must install Debian's prometheus (bash scripts/ci/install-tools.sh)`,
      );
    sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    system = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-observability',
      SLACK_API_URL: sandbox.slackApiUrl,
      ASANA_TOKEN: 'asana-observability',
      ASANA_BASE_URL: sandbox.asanaBaseUrl,
      ASANA_PROJECT_GID: '1200000000000001',
      INGRESS_API_KEYS: `observability:${API_KEY}`,
      LOG_LEVEL: 'warn',
    });
    for (const name of SERVICES) await system.start(name);

    dir = mkdtempSync(join(tmpdir(), 'sb-prometheus-'));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const targets = SERVICES.map((name) => `127.0.0.1:${system.services.get(name)!.port}`);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${join(ROOT, 'charts/switchboard/rules/switchboard.rules.yml')}']`,
        'scrape_configs:',
        '  - job_name: switchboard',
        `    static_configs: [{ targets: ${JSON.stringify(targets)} }]`,
      ].join('\n'),
    );
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    for (const stream of [prometheus.stdout!, prometheus.stderr!])
      stream.on('data', (chunk: Buffer) => promLog.push(chunk.toString()));
    await eventually(
      async () => (await fetch(`${promUrl}/-/ready`).catch(() => null))?.status,
      (s) => s === 200,
      60000,
      `prometheus ready (${promLog.join('').slice(-500)})`,
    );
  });

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    await system?.stopAll();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const post = (events: object[]) =>
    fetch(system.url('ingress', '/v1/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ events }),
    });
  const query = async (expr: string): Promise<QueryResult> =>
    (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as QueryResult;

  it('has data for every dashboard query and every metric the alerts read', async () => {
    // Traffic that touches every panel: a burst of new conversations (roots, digests, budget waits), thread
    // replies, a rejected request, a Slack/Asana outage (retries, failed calls), a poison message (DLQ).
    expect(
      (
        await post(
          Array.from({ length: 12 }, (_, i) => ({
            conversation_id: `obs-${i}`,
            user: { id: `u${i}`, name: 'Obs' },
            text: 'I want a refund',
          })),
        )
      ).status,
    ).toBe(202);
    expect(
      (
        await fetch(system.url('ingress', '/v1/events'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(401);
    await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'both', status: 500, seconds: 3 }),
    });
    expect(
      (
        await post(
          Array.from({ length: 12 }, (_, i) => ({
            conversation_id: `obs-${i}`,
            user: { id: `u${i}`, name: 'Obs' },
            text: `still there? ${i}`,
          })),
        )
      ).status,
    ).toBe(202);
    const names = new TopicNames(system.env.KAFKA_TOPIC_PREFIX);
    const poisoner = new Publisher(
      createKafka({
        brokers: [system.env.KAFKA_BROKERS],
        clientId: 'obs-poison',
        logger: createLogger({ service: 'obs', level: 'silent' }),
      }),
      names,
    );
    await poisoner.connect();
    await poisoner.publishRaw(names.name(Topics.raw), [{ key: 'poison', value: Buffer.from([0xff, 0x00]) }]);
    // Triage: a review, a close and an operator's reply, so the Triage row shows measurements, not only zeros.
    // Past ingress, conversations are named by the bot's key name and the bot's own id.
    const own = (id: string) => scopeId('observability', id);
    const at = timestampNow();
    await poisoner.publish(Topics.status, [
      {
        key: own('obs-0'),
        value: create(StatusEventSchema, {
          eventId: 'obs-review',
          conversationId: own('obs-0'),
          change: StatusChange.REVIEWED,
          actor: { name: 'Obs' },
          at,
        }),
      },
      {
        key: own('obs-1'),
        value: create(StatusEventSchema, {
          eventId: 'obs-close',
          conversationId: own('obs-1'),
          change: StatusChange.CLOSED,
          actor: { name: 'Obs' },
          at,
        }),
      },
    ]);
    await poisoner.publish(Topics.outbound, [
      {
        key: own('obs-2'),
        value: create(OperatorMessageSchema, {
          eventId: 'obs-reply',
          conversationId: own('obs-2'),
          operator: { name: 'Obs' },
          text: 'hi',
          sentAt: at,
        }),
      },
    ]);
    await poisoner.disconnect();

    const dashboard = JSON.parse(
      readFileSync(join(ROOT, 'charts/switchboard/dashboards/switchboard.json'), 'utf8'),
    ) as { panels: Panel[] };
    const queries = dashboard.panels
      .filter((p) => p.type !== 'row')
      .flatMap((p) =>
        (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr.replace(/\$__rate_interval/g, '1m') })),
      );
    expect(queries.length).toBeGreaterThan(10);
    // Wait until every query has series (scrapes every second; rates need two samples).
    const empty = await eventually(
      async () => {
        const missing: string[] = [];
        for (const q of queries) {
          const result = await query(q.expr);
          if (result.status !== 'success') throw new Error(`"${q.panel}": ${q.expr} does not parse: ${result.error}`);
          if ((result.data?.result.length ?? 0) === 0) missing.push(`${q.panel}: ${q.expr}`);
        }
        return missing;
      },
      (missing) => missing.length === 0,
      120000,
      'every dashboard query to return series',
    );
    expect(empty).toEqual([]);
    // The Triage row measured the review, the close and the reply (each counted once over the scrape).
    for (const metric of [
      'switchboard_time_to_review_seconds_count',
      'switchboard_time_to_close_seconds_count',
      'switchboard_time_to_first_human_reply_seconds_count',
    ]) {
      const counted = await eventually(
        async () =>
          Number(
            (await query(`sum(${metric})`)).data?.result.map((r) => (r as { value: [number, string] }).value[1])[0] ??
              0,
          ),
        (n) => n >= 1,
        60000,
        `${metric} to count the fact`,
      );
      expect({ metric, counted }).toEqual({ metric, counted: 1 });
    }
    const open = await query('sum(max by (state, priority) (switchboard_open_conversations))');
    expect(Number((open.data?.result[0] as { value: [number, string] }).value[1])).toBeGreaterThanOrEqual(10);

    const rules = parseYaml(readFileSync(join(ROOT, 'charts/switchboard/rules/switchboard.rules.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.length).toBeGreaterThanOrEqual(7);
    for (const alert of alerts) {
      const parsed = await query(alert.expr);
      expect({ alert: alert.alert, status: parsed.status, error: parsed.error }).toEqual({
        alert: alert.alert,
        status: 'success',
        error: undefined,
      });
      const metrics = [
        ...new Set(alert.expr.match(/\b(?:switchboard_[a-z_]+|up)\b(?=\s*[{[)]|\s*$|\s*[=!<>])/g) ?? []),
      ];
      expect(metrics.length).toBeGreaterThan(0);
      for (const metric of metrics) {
        const found = await query(`count(${metric})`);
        expect({ alert: alert.alert, metric, series: found.data?.result.length }).toEqual({
          alert: alert.alert,
          metric,
          series: 1,
        });
      }
    }
    // Prometheus loaded the same rules file the chart ships.
    const loaded = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string }[] }[] };
    };
    expect(loaded.data.groups.flatMap((g) => g.rules.map((r) => r.name)).sort()).toEqual(
      alerts.map((a) => a.alert).sort(),
    );
  });
});
