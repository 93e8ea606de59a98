// The sandbox's memory: what the Slack and Asana stand-ins were sent, and counters about how they answered.
// Plain data structures and lookups; no HTTP here, so the routes and the page read the same truth.
import { createHash } from 'node:crypto';
import { SANDBOX_OPERATORS } from './slack/workspace';

// ---------------------------------------------------------------- Slack

export interface SlackChannel {
  id: string;
  /** The name it was addressed by (without '#'), when it was addressed by name. */
  name?: string;
}

export interface SlackMessageVersion {
  text: string;
  blocks?: unknown[];
  /** The ts of the edit that replaced this version. */
  replacedAt: string;
}

export interface SlackMessage {
  channelId: string;
  ts: string;
  /** Only on replies: the ts of the thread's root. */
  threadTs?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  /** Absent on what a person wrote (a thread reply from /_sandbox/slack/reply). */
  botId?: string;
  userId: string;
  appId?: string;
  unfurlLinks?: boolean;
  unfurlMedia?: boolean;
  replyBroadcast?: boolean;
  metadata?: unknown;
  /** Who Slack would notify: 'channel' | 'here' | 'everyone' | user and subteam ids. */
  mentions: string[];
  edited?: { user: string; ts: string };
  /** Earlier versions, oldest first (one per chat.update). */
  history: SlackMessageVersion[];
}

/** One thing Slack's side sent to the app for an operator: a click or a thread reply, and how it went. */
export interface SlackDelivery {
  kind: 'click' | 'reply';
  /** What it was about, for people: the action id, or the first words of the reply. */
  what: string;
  channelId: string;
  ts: string;
  target: string | null;
  /** Each attempt's HTTP status, or why there was none (http_timeout, connection_failed, not_configured). */
  attempts: (number | string)[];
  ok: boolean | null;
  at: string;
}

/** A message only one user sees (chat.postEphemeral); its buttons can be clicked by that user alone. */
export interface SlackEphemeral {
  channelId: string;
  userId: string;
  text: string;
  ts: string;
  blocks?: unknown[];
  /** The app that posted it (its clicks go to that app). */
  appId?: string;
  /** The thread it was shown in, if any. */
  threadTs?: string;
}

export const SLACK_ID = /^[CGD][A-Z0-9]{6,}$/;

const DELIVERIES_KEPT = 50;

/** A stable Slack-looking id for a name, so the same channel name maps to the same id across resets. */
function slackIdFor(prefix: string, seed: string): string {
  return prefix + createHash('sha256').update(seed).digest('hex').slice(0, 10).toUpperCase();
}

/** A message only one user sees (chat.postEphemeral); its buttons can be clicked by that user. */
export class SlackStore {
  readonly channels = new Map<string, SlackChannel>();
  /** Every message of every channel, in the order they were posted. */
  readonly messages: SlackMessage[] = [];
  /** The latest clicks and replies sent to the app, newest last (at most DELIVERIES_KEPT). */
  readonly deliveries: SlackDelivery[] = [];
  /** Ephemeral messages (chat.postEphemeral): seen by one user, never part of the channel's history. */
  readonly ephemeral: SlackEphemeral[] = [];
  private readonly idByName = new Map<string, string>();
  private lastTsMicros = 0;

  /** Resolves '#name', 'name' or a channel id to the channel, registering it on first sight. */
  channel(ref: string): SlackChannel {
    if (SLACK_ID.test(ref)) {
      let channel = this.channels.get(ref);
      if (!channel) this.channels.set(ref, (channel = { id: ref }));
      return channel;
    }
    const name = ref.replace(/^#/, '');
    let id = this.idByName.get(name);
    if (!id) {
      id = slackIdFor('C', `channel:${name}`);
      this.idByName.set(name, id);
      this.channels.set(id, { id, name });
    }
    return this.channels.get(id)!;
  }

  /** How a channel is shown to people: '#name' when it has one, else its id. */
  label(channelId: string): string {
    const name = this.channels.get(channelId)?.name;
    return name ? `#${name}` : channelId;
  }

  /** Slack message timestamps: seconds.micros, unique and increasing within the sandbox. */
  nextTs(nowMs = Date.now()): string {
    const micros = Math.max(nowMs * 1000, this.lastTsMicros + 100);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  find(channelId: string, ts: string): SlackMessage | undefined {
    return this.messages.find((m) => m.channelId === channelId && m.ts === ts);
  }

  repliesTo(channelId: string, rootTs: string): SlackMessage[] {
    return this.messages.filter((m) => m.channelId === channelId && m.threadTs === rootTs);
  }

  recordDelivery(delivery: SlackDelivery): SlackDelivery {
    this.deliveries.push(delivery);
    if (this.deliveries.length > DELIVERIES_KEPT) this.deliveries.splice(0, this.deliveries.length - DELIVERIES_KEPT);
    return delivery;
  }

  roots(channelId: string): SlackMessage[] {
    return this.messages.filter((m) => m.channelId === channelId && (!m.threadTs || m.replyBroadcast));
  }
}

// ---------------------------------------------------------------- Asana

export interface AsanaWorkspace {
  gid: string;
  name: string;
}
export interface AsanaUser {
  gid: string;
  name: string;
  email: string;
}
export interface AsanaProject {
  gid: string;
  name: string;
  workspaceGid: string;
  createdAt: string;
}
export interface AsanaSection {
  gid: string;
  name: string;
  projectGid: string;
  createdAt: string;
}
export interface AsanaTag {
  gid: string;
  name: string;
  workspaceGid: string;
  color: string | null;
  createdAt: string;
}
export interface AsanaMembership {
  projectGid: string;
  sectionGid: string;
}

export interface AsanaTask {
  gid: string;
  name: string;
  notes: string;
  htmlNotes: string;
  workspaceGid: string;
  memberships: AsanaMembership[];
  tagGids: string[];
  assigneeGid: string | null;
  followerGids: string[];
  completed: boolean;
  completedAt: string | null;
  completedByGid: string | null;
  external: { gid?: string; data?: string } | null;
  customFields: Record<string, unknown>;
  dueOn: string | null;
  dueAt: string | null;
  createdAt: string;
  createdByGid: string;
  modifiedAt: string;
}

export interface AsanaStory {
  gid: string;
  taskGid: string;
  type: 'comment' | 'system';
  subtype: string;
  text: string;
  htmlText: string;
  isPinned: boolean;
  createdAt: string;
  createdByGid: string;
}

export interface WebhookFilter {
  resource_type: string;
  resource_subtype?: string;
  action?: string;
  fields?: string[];
}

export interface AsanaWebhook {
  gid: string;
  resourceGid: string;
  resourceType: 'project' | 'task' | 'workspace';
  target: string;
  secret: string;
  filters: WebhookFilter[];
  active: boolean;
  createdAt: string;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastFailureContent: string;
  delivered: number;
  failed: number;
}

export interface AsanaSeed {
  workspaceGid: string;
  projectGid: string;
}

export class AsanaStore {
  readonly workspaces = new Map<string, AsanaWorkspace>();
  readonly users = new Map<string, AsanaUser>();
  readonly projects = new Map<string, AsanaProject>();
  readonly sections = new Map<string, AsanaSection>();
  readonly tags = new Map<string, AsanaTag>();
  readonly tasks = new Map<string, AsanaTask>();
  readonly stories: AsanaStory[] = [];
  readonly webhooks = new Map<string, AsanaWebhook>();
  private readonly userByToken = new Map<string, string>();
  private readonly used = new Set<string>();
  private counter = 0;

  constructor(readonly seed: AsanaSeed) {
    const now = new Date().toISOString();
    this.claim(seed.workspaceGid);
    this.claim(seed.projectGid);
    this.workspaces.set(seed.workspaceGid, { gid: seed.workspaceGid, name: 'Switchboard Sandbox' });
    this.projects.set(seed.projectGid, {
      gid: seed.projectGid,
      name: 'Conversations',
      workspaceGid: seed.workspaceGid,
      createdAt: now,
    });
    const section = this.nextGid();
    this.sections.set(section, { gid: section, name: 'Untitled section', projectGid: seed.projectGid, createdAt: now });
  }

  /** Numeric-string gids like Asana's, unique within the sandbox (and never equal to a seeded gid). */
  nextGid(): string {
    let gid: string;
    do gid = String(1300000000000000 + ++this.counter);
    while (this.used.has(gid));
    this.used.add(gid);
    return gid;
  }

  private claim(gid: string): void {
    this.used.add(gid);
  }

  /** The user a token acts as: one user per distinct token, made on first use (named after `profile` if given). */
  userFor(token: string, profile?: { name: string; email: string }): AsanaUser {
    let gid = this.userByToken.get(token);
    if (!gid) {
      gid = this.nextGid();
      const n = this.userByToken.size + 1;
      this.userByToken.set(token, gid);
      this.users.set(gid, {
        gid,
        name: profile?.name ?? `Sandbox User ${n}`,
        email: profile?.email ?? `user${n}@sandbox.example`,
      });
    }
    return this.users.get(gid)!;
  }

  /**
   * A workspace member by email. The sandbox's Slack operators are members of the Asana workspace too (the
   * same people use both, as in a real company), made on first mention like the page's actions make them.
   */
  userByEmail(email: string): AsanaUser | undefined {
    const known = [...this.users.values()].find((u) => u.email === email);
    if (known) return known;
    const operator = SANDBOX_OPERATORS.find((o) => o.email === email);
    return operator
      ? this.userFor(`sandbox-operator:${operator.id}`, { name: operator.realName, email: operator.email })
      : undefined;
  }

  /** 'external:<id>' or a gid → the task. With several tasks sharing an external gid, the oldest wins. */
  task(ref: string): AsanaTask | undefined {
    if (ref.startsWith('external:')) {
      const externalGid = ref.slice('external:'.length);
      for (const task of this.tasks.values()) if (task.external?.gid === externalGid) return task;
      return undefined;
    }
    return this.tasks.get(ref);
  }

  storiesOf(taskGid: string): AsanaStory[] {
    return this.stories.filter((s) => s.taskGid === taskGid);
  }

  sectionsOf(projectGid: string): AsanaSection[] {
    return [...this.sections.values()].filter((s) => s.projectGid === projectGid);
  }

  tasksInProject(projectGid: string): AsanaTask[] {
    return [...this.tasks.values()].filter((t) => t.memberships.some((m) => m.projectGid === projectGid));
  }

  /** External gids carried by more than one task: a caller created duplicates. */
  duplicateExternalGids(): string[] {
    const seen = new Map<string, number>();
    for (const task of this.tasks.values()) {
      const gid = task.external?.gid;
      if (gid !== undefined) seen.set(gid, (seen.get(gid) ?? 0) + 1);
    }
    return [...seen].filter(([, n]) => n > 1).map(([gid]) => gid);
  }
}

// ---------------------------------------------------------------- counters

/** Named counts, serialised as a plain object. */
export class Tally {
  readonly counts: Record<string, number> = {};
  inc(key: string, by = 1): void {
    this.counts[key] = (this.counts[key] ?? 0) + by;
  }
  get(key: string): number {
    return this.counts[key] ?? 0;
  }
}

export class Counters {
  readonly slackCalls = new Tally();
  /** 'ok' or the error string Slack answered with. */
  readonly slackOutcomes = new Tally();
  readonly slackRateLimitedByChannel = new Tally();
  /** 429s of Slack's method tiers, by method. */
  readonly slackRateLimitedByMethod = new Tally();
  readonly asanaCalls = new Tally();
  /** HTTP status → count. */
  readonly asanaStatuses = new Tally();
  readonly faultsServed = new Tally();
  readonly webhooks = new Tally();
  /** Clicks and thread replies sent to the app: '<kind>_delivered' | '<kind>_failed' | 'event_retries' | 'not_configured'. */
  readonly slackDeliveries = new Tally();

  snapshot() {
    return {
      slack: {
        calls: this.slackCalls.counts,
        outcomes: this.slackOutcomes.counts,
        ratelimited: this.slackOutcomes.get('ratelimited'),
        ratelimitedByChannel: this.slackRateLimitedByChannel.counts,
        ratelimitedByMethod: this.slackRateLimitedByMethod.counts,
        deliveries: this.slackDeliveries.counts,
      },
      asana: {
        calls: this.asanaCalls.counts,
        statuses: this.asanaStatuses.counts,
        ratelimited: this.asanaStatuses.get('429'),
      },
      faults: this.faultsServed.counts,
      webhooks: this.webhooks.counts,
    };
  }
}

export class SandboxState {
  slack = new SlackStore();
  asana: AsanaStore;
  counters = new Counters();

  constructor(private readonly seed: AsanaSeed) {
    this.asana = new AsanaStore(seed);
  }

  reset(): void {
    this.slack = new SlackStore();
    this.asana = new AsanaStore(this.seed);
    this.counters = new Counters();
  }
}
