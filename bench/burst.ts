// Burst benchmark: the five services (processes) and the sandbox with Slack's and Asana's own limits on take a
// burst of new conversations (5% urgent) and follow-up messages. Measures, from the sandbox's state, how long
// until every conversation is placed in Slack (own root or digest line) and has its Asana task, against the
// floor those limits allow; the 429s; Slack and Asana calls per conversation; urgent conversations' time to
// their own root; RSS per service with the conversations open. Writes bench/results/burst.{json,svg}.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { VENDOR_LIMITS, startSandbox, type RunningSandbox } from '@switchboard/sandbox';
import { ROOT, TestSystem, type ServiceName } from '../test/support/services';
import { burstFloor, conversationsIn, floorAt, quantile, rootConversation, type BurstShape } from './burst-model';
import { lineChart } from './svg';
import { postEvents, rssMb } from './load';

const CONVERSATIONS = Number(process.env.BURST_CONVERSATIONS ?? 10_000);
/** Every 20th conversation is urgent (5%). */
const URGENT_EVERY = 20;
/** This share of conversations sends one follow-up message after the burst. */
const FOLLOW_UP_SHARE = Number(process.env.BURST_FOLLOW_UP_SHARE ?? 0.2);
const TIMEOUT_S = Number(process.env.BURST_TIMEOUT_S ?? 1800);
const SETTLE_S = Number(process.env.BURST_SETTLE_S ?? 120);
const DIGEST_SIZE = 100;
const BATCH = 100;
const CONCURRENCY = 4;
const API_KEY = 'bench-burst-key-0123456789';
const SERVICES: ServiceName[] = ['ingress', 'classifier', 'notifier', 'ticketer', 'status'];
const RUN = `burst-${randomUUID().slice(0, 6)}`;
const progress = (text: string) => process.stderr.write(`\r\x1b[K${text}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const isUrgent = (n: number) => n % URGENT_EVERY === 0;
const hasFollowUp = (n: number) => FOLLOW_UP_SHARE > 0 && n % Math.round(1 / FOLLOW_UP_SHARE) === 1;

/** What the sandbox shows about the burst, read every `pollMs`: first-seen times per conversation number. */
class Tracker {
  readonly placedAt = new Map<number, number>();
  readonly rootAt = new Map<number, number>();
  readonly taskAt = new Map<number, number>();
  /** [seconds into the burst, placed, tasked, both] */
  readonly timeline: [number, number, number, number][] = [];
  private readonly editsSeen = new Map<string, number>();
  private tasksSeen = 0;

  constructor(
    private readonly sandbox: RunningSandbox,
    private readonly startedAt: number,
  ) {}

  poll(now = Date.now()): void {
    for (const m of this.sandbox.state.slack.messages) {
      if (m.threadTs) continue;
      const key = `${m.channelId}/${m.ts}`;
      const seen = this.editsSeen.get(key);
      if (seen === m.history.length) continue;
      this.editsSeen.set(key, m.history.length);
      // A new message was placed when Slack took it; a line added by an edit, when this poll saw it.
      const at = seen === undefined ? Number(m.ts) * 1000 : now;
      for (const n of conversationsIn(`${m.text} ${JSON.stringify(m.blocks ?? [])}`, RUN))
        if (!this.placedAt.has(n)) this.placedAt.set(n, at);
      const root = rootConversation(m.metadata);
      const n = root === undefined ? undefined : conversationsIn(root, RUN)[0];
      if (n !== undefined && !this.rootAt.has(n)) this.rootAt.set(n, at);
    }
    const tasks = [...this.sandbox.state.asana.tasks.values()];
    for (const t of tasks.slice(this.tasksSeen)) {
      for (const n of conversationsIn(`${t.name}\n${t.notes}`, RUN))
        if (!this.taskAt.has(n)) this.taskAt.set(n, Date.parse(t.createdAt));
    }
    this.tasksSeen = tasks.length;
    let both = 0;
    for (const n of this.placedAt.keys()) if (this.taskAt.has(n)) both++;
    this.timeline.push([(now - this.startedAt) / 1000, this.placedAt.size, this.taskAt.size, both]);
  }

  /** When the last conversation was both placed and tasked (ms), or undefined while any is missing. */
  doneAt(): number | undefined {
    if (this.placedAt.size < CONVERSATIONS || this.taskAt.size < CONVERSATIONS) return undefined;
    let last = 0;
    for (let n = 0; n < CONVERSATIONS; n++) last = Math.max(last, this.placedAt.get(n)!, this.taskAt.get(n)!);
    return last;
  }
}

/**
 * The tasks whose description was changed after they were made (the Slack link of an own root posted later), by
 * whether the conversation is urgent, and how many tasks were changed more than once.
 */
function descriptionEdits(sandbox: RunningSandbox): { urgent: number; other: number; repeated: number } {
  const { asana } = sandbox.state;
  const edits = new Map<string, number>();
  for (const story of asana.stories)
    if (story.subtype === 'notes_changed') edits.set(story.taskGid, (edits.get(story.taskGid) ?? 0) + 1);
  const counts = { urgent: 0, other: 0, repeated: 0 };
  for (const [gid, times] of edits) {
    const task = asana.tasks.get(gid);
    const n = task ? conversationsIn(`${task.name}\n${task.notes}`, RUN)[0] : undefined;
    if (n !== undefined && isUrgent(n)) counts.urgent++;
    else counts.other++;
    if (times > 1) counts.repeated++;
  }
  return counts;
}

const send = (url: string, events: object[]) => postEvents(url, API_KEY, events);

/** Posts these conversations' events in batches of BATCH, CONCURRENCY batches in flight; returns send times. */
async function post(url: string, numbers: number[], event: (n: number) => object): Promise<Map<number, number>> {
  const sentAt = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < numbers.length) {
        const slice = numbers.slice(next, (next += BATCH));
        const at = Date.now();
        await send(url, slice.map(event));
        for (const n of slice) sentAt.set(n, at);
      }
    }),
  );
  return sentAt;
}

function message(n: number, text: string) {
  return {
    conversation_id: `${RUN}-${n}`,
    user: { id: `${RUN}-u${n}`, name: `Customer ${n}` },
    team: { id: 't1', name: 'Bench Inc' },
    text,
  };
}

async function main(): Promise<void> {
  const urgent = Array.from({ length: CONVERSATIONS }, (_, n) => n).filter(isUrgent).length;
  const shape: BurstShape = {
    conversations: CONVERSATIONS,
    urgent,
    digestSize: DIGEST_SIZE,
    slackPostsPerSecond: VENDOR_LIMITS.slack.postMessagePerSecond,
    slackBurst: VENDOR_LIMITS.slack.burst,
    asanaPerMinute: VENDOR_LIMITS.asana.requestsPerMinute,
  };
  const floor = burstFloor(shape);
  console.log(
    `Switchboard burst benchmark (${RUN}): ${CONVERSATIONS} new conversations, ${urgent} urgent, ${Math.round(FOLLOW_UP_SHARE * 100)}% with a follow-up; sandbox with the vendors' limits`,
  );
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1', vendorLimits: true });
  const system = new TestSystem({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_API_URL: sandbox.slackApiUrl,
    SLACK_TRIAGE_CHANNEL: '#triage',
    ASANA_TOKEN: 'asana-bench',
    ASANA_BASE_URL: sandbox.asanaBaseUrl,
    ASANA_PROJECT_GID: '1200000000000001',
    ASANA_WORKSPACE_GID: '1100000000000001',
    INGRESS_API_KEYS: `bench:${API_KEY}`,
    INGRESS_RATE_PER_SECOND: '0',
    KAFKA_TOPIC_PARTITIONS: '12',
    CLASSIFIER_RULES_FILE: join(ROOT, 'services', 'classifier', 'rules.example.yaml'),
    NOTIFIER_DIGEST_MAX: String(DIGEST_SIZE),
    LOG_LEVEL: 'warn',
    ...JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}'),
  });
  const peakRss: Record<string, number> = {};
  const pids = () => Object.fromEntries(SERVICES.map((s) => [s, system.services.get(s)?.process.pid]));
  try {
    for (const name of SERVICES) await system.start(name);
    const url = system.url('ingress', '/v1/events');
    const startedAt = Date.now();
    const tracker = new Tracker(sandbox, startedAt);
    let tracking = true;
    const watching = (async () => {
      while (tracking) {
        tracker.poll();
        for (const [name, pid] of Object.entries(pids())) peakRss[name] = Math.max(peakRss[name] ?? 0, rssMb(pid));
        const [, placed, tasked] = tracker.timeline.at(-1)!;
        progress(
          `  ${((Date.now() - startedAt) / 1000).toFixed(0)} s: placed ${placed}, tasks ${tasked} of ${CONVERSATIONS}`,
        );
        await sleep(250);
      }
    })();

    const all = Array.from({ length: CONVERSATIONS }, (_, n) => n);
    const sentAt = await post(url, all, (n) =>
      message(n, isUrgent(n) ? 'My lawyer will sue you over this' : `Question number ${n} about my order`),
    );
    const ingestedAt = Date.now();
    await post(url, all.filter(hasFollowUp), (n) => message(n, `And one more thing about order ${n}`));

    let doneAt: number | undefined;
    while (!(doneAt = tracker.doneAt()) && Date.now() - startedAt < TIMEOUT_S * 1000) await sleep(500);
    // Then until the services are quiet (comments, links, digest edits, thread replies), to count every call the
    // burst cost, for at most BURST_SETTLE_S.
    const settleUntil = Date.now() + SETTLE_S * 1000;
    let quietSince = Date.now();
    let last = '';
    while (Date.now() - quietSince < 5000 && Date.now() < settleUntil) {
      await sleep(500);
      const now = JSON.stringify(sandbox.state.counters.snapshot());
      if (now !== last) quietSince = Date.now();
      last = now;
    }
    tracking = false;
    await watching;
    const rssAfter = Object.fromEntries(Object.entries(pids()).map(([name, pid]) => [name, rssMb(pid)]));

    const settledSeconds = (Date.now() - startedAt) / 1000;
    const counters = sandbox.state.counters.snapshot();
    const slackMessages = sandbox.state.slack.messages;
    const topLevel = slackMessages.filter((m) => !m.threadTs).length;
    const replies = slackMessages.length - topLevel;
    const asanaCalls = counters.asana.calls as Record<string, number>;
    const comments = asanaCalls['POST /tasks/:task_gid/stories'] ?? 0;
    const asanaAll = Object.values(asanaCalls).reduce((a, b) => a + b, 0);
    const followUps = all.filter(hasFollowUp).length;
    const urgentRoot = all
      .filter(isUrgent)
      .map((n) => ((tracker.rootAt.get(n) ?? NaN) - sentAt.get(n)!) / 1000)
      .filter(Number.isFinite);
    const seconds = doneAt ? (doneAt - startedAt) / 1000 : NaN;
    const result = {
      at: new Date().toISOString(),
      run: RUN,
      shape,
      followUps,
      ingestSeconds: (ingestedAt - startedAt) / 1000,
      /** When the calls were counted (quiet for 5 s, or BURST_SETTLE_S after all were placed and tasked). */
      settledSeconds,
      floor,
      seconds,
      ratio: seconds / floor.seconds,
      placed: tracker.placedAt.size,
      tasked: tracker.taskAt.size,
      placedSeconds: Math.max(...tracker.placedAt.values()) / 1000 - startedAt / 1000,
      taskedSeconds: Math.max(...tracker.taskAt.values()) / 1000 - startedAt / 1000,
      ratelimited: { slack: counters.slack.ratelimited, asana: counters.asana.ratelimited },
      slack: {
        calls: counters.slack.calls,
        topLevelPosts: topLevel,
        minimumPosts: floor.slackPosts,
        threadReplies: replies,
      },
      asana: {
        calls: asanaCalls,
        taskCallsPerConversation: (asanaAll - comments) / CONVERSATIONS,
        comments,
        commentsMinimum: followUps,
        descriptionEdits: descriptionEdits(sandbox),
      },
      urgentToRoot: {
        count: urgentRoot.length,
        p50: quantile(urgentRoot, 0.5),
        p95: quantile(urgentRoot, 0.95),
        max: quantile(urgentRoot, 1),
      },
      rssMb: { after: rssAfter, peak: peakRss },
    };
    progress('');
    report(result);

    const out = join(ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    // The timeline at one point a second: enough to redraw the chart.
    const perSecond = tracker.timeline.filter(
      ([t], i, all) => i === all.length - 1 || Math.floor(t) !== Math.floor(all[i + 1]?.[0] ?? -1),
    );
    writeFileSync(join(out, 'burst.json'), JSON.stringify({ ...result, timeline: perSecond }, null, 1));
    const end = Math.max(seconds || 0, floor.seconds, tracker.timeline.at(-1)![0]);
    // About 300 points per line are plenty for the chart (the JSON keeps them all).
    const step = Math.ceil(tracker.timeline.length / 300);
    const shown = tracker.timeline.filter((_, i) => i % step === 0 || i === tracker.timeline.length - 1);
    const floorPoints: [number, number][] = Array.from({ length: 101 }, (_, i) => {
      const t = (end * i) / 100;
      return [t, floorAt(shape, t)];
    });
    writeFileSync(
      join(out, 'burst.svg'),
      lineChart({
        title: `Burst of ${CONVERSATIONS} new conversations at Slack's and Asana's limits`,
        xLabel: 'seconds since the burst began',
        yLabel: 'conversations',
        series: [
          { name: 'placed in Slack (root or digest line)', points: shown.map(([t, p]) => [t, p]) },
          { name: 'with their Asana task', points: shown.map(([t, , k]) => [t, k]) },
          { name: 'both', points: shown.map(([t, , , b]) => [t, b]) },
          { name: 'floor the limits allow (both)', points: floorPoints, dashed: true },
        ],
      }),
    );
    console.log(`wrote ${join('bench', 'results', 'burst.svg')} and burst.json`);
  } finally {
    await system.stopAll();
    await sandbox.close();
  }
}

function report(r: {
  shape: BurstShape;
  floor: ReturnType<typeof burstFloor>;
  seconds: number;
  ratio: number;
  placed: number;
  tasked: number;
  placedSeconds: number;
  taskedSeconds: number;
  ingestSeconds: number;
  ratelimited: { slack: number; asana: number };
  slack: { calls: Record<string, number>; topLevelPosts: number; minimumPosts: number; threadReplies: number };
  asana: {
    calls: Record<string, number>;
    taskCallsPerConversation: number;
    comments: number;
    commentsMinimum: number;
    descriptionEdits: { urgent: number; other: number; repeated: number };
  };
  urgentToRoot: { count: number; p50: number; p95: number; max: number };
  rssMb: { after: Record<string, number>; peak: Record<string, number> };
}): void {
  const n = r.shape.conversations;
  const s = (x: number) => `${x.toFixed(1)} s`;
  console.log(`\ningested in ${s(r.ingestSeconds)}; placed ${r.placed}/${n}, tasks ${r.tasked}/${n}\n`);
  console.log('| measure | floor / minimum | measured | ratio |');
  console.log('|---|---|---|---|');
  console.log(`| all placed and tasked | ${s(r.floor.seconds)} | ${s(r.seconds)} | ${r.ratio.toFixed(2)} |`);
  console.log(
    `| all placed in Slack | ${s(r.floor.slackSeconds)} | ${s(r.placedSeconds)} | ${(r.placedSeconds / r.floor.slackSeconds).toFixed(2)} |`,
  );
  console.log(
    `| all tasks in Asana | ${s(r.floor.asanaSeconds)} | ${s(r.taskedSeconds)} | ${(r.taskedSeconds / r.floor.asanaSeconds).toFixed(2)} |`,
  );
  console.log(`| 429s (Slack / Asana) | 0 | ${r.ratelimited.slack} / ${r.ratelimited.asana} | |`);
  console.log(
    `| Slack top-level posts | ${r.slack.minimumPosts} | ${r.slack.topLevelPosts} | ${(r.slack.topLevelPosts / r.slack.minimumPosts).toFixed(2)} |`,
  );
  console.log(
    `| Asana calls per conversation, comments aside | 1 | ${r.asana.taskCallsPerConversation.toFixed(3)} | ${r.asana.taskCallsPerConversation.toFixed(2)} |`,
  );
  console.log(
    `| Asana comments | ${r.asana.commentsMinimum} | ${r.asana.comments} | ${(r.asana.comments / Math.max(1, r.asana.commentsMinimum)).toFixed(2)} |`,
  );
  console.log(
    `| urgent: first message → own root (p50 / p95 / max, ${r.urgentToRoot.count}) | | ${s(r.urgentToRoot.p50)} / ${s(r.urgentToRoot.p95)} / ${s(r.urgentToRoot.max)} | |`,
  );
  console.log(`\nSlack calls: ${JSON.stringify(r.slack.calls)}; thread replies ${r.slack.threadReplies}`);
  console.log(`Asana calls: ${JSON.stringify(r.asana.calls)}`);
  const edits = r.asana.descriptionEdits;
  console.log(
    `Task descriptions changed after create: ${edits.urgent} urgent, ${edits.other} other; ${edits.repeated} more than once`,
  );
  console.log(`RSS after the burst (MB): ${JSON.stringify(r.rssMb.after)}; peak ${JSON.stringify(r.rssMb.peak)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
