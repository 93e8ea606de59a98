// The notifier as it runs: built service processes (dist/main.js) on the real broker and Redis, the sandbox
// standing in for Slack, and a bus publisher feeding conv.classified and conv.status directly (the classifier
// and the status service are not needed to drive it; a SPAM / NOT_SPAM also writes the shared spam mark, as the
// status service does before publishing it).
import { randomUUID } from 'node:crypto';
import { createLogger } from '@switchboard/core';
import { Publisher, TopicNames, Topics, createKafka, type Kafka } from '@switchboard/bus';
import { create, StatusEventSchema, StatusChange, type ClassifiedEvent } from '@switchboard/proto';
import { SpamMarks, connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { botOfId } from '@switchboard/core';
import { notifierKeys, type NotifierKeys } from '../src/keys';
import { startSandbox, type RunningSandbox, type StartOptions } from '@switchboard/sandbox';
import { TestSystem, eventually, type RunningService } from '../../../test/support/services';

export const quiet = createLogger({ service: 'notifier-test', level: 'silent' });

export interface SandboxMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: {
    type: string;
    text?: { text: string };
    elements?: { action_id?: string; value?: string; text?: unknown }[];
  }[];
  mentions: string[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  edits: number;
  reply_broadcast?: boolean;
}

export class NotifierHarness {
  sandbox!: RunningSandbox;
  /** One TestSystem per replica; they share topic and key prefixes. */
  readonly replicas: TestSystem[] = [];
  kafka!: Kafka;
  publisher!: Publisher;
  redis!: Redis;
  keys!: NotifierKeys;
  names!: TopicNames;

  constructor(
    private readonly env: Record<string, string>,
    private readonly sandboxOptions: StartOptions = {},
  ) {}

  async start(replicas = 1): Promise<void> {
    this.sandbox = await startSandbox({ port: 0, host: '127.0.0.1', ...this.sandboxOptions });
    const first = new TestSystem({
      SLACK_BOT_TOKEN: 'xoxb-notifier-test',
      SLACK_API_URL: this.sandbox.slackApiUrl,
      SLACK_TRIAGE_CHANNEL: '#triage',
      CONSOLE_BASE_URL: 'http://console.test/',
      LOG_LEVEL: 'warn',
      // Topic and key prefixes do not apply to consumer groups: without a group of its own, a concurrent test
      // run's notifier would join this one's group and every restart would stall both in rebalances.
      NOTIFIER_GROUP_ID: `notifier-test-${randomUUID().slice(0, 8)}`,
      ...this.env,
    });
    this.replicas.push(first);
    for (let i = 1; i < replicas; i += 1) this.replicas.push(new TestSystem(first.env));
    await Promise.all(this.replicas.map((r) => r.start('notifier')));
    this.names = new TopicNames(first.env.KAFKA_TOPIC_PREFIX);
    this.kafka = createKafka({ brokers: first.env.KAFKA_BROKERS.split(','), clientId: 'notifier-test', logger: quiet });
    this.publisher = new Publisher(this.kafka, this.names);
    await this.publisher.connect();
    this.keys = notifierKeys(createKeys(first.env.REDIS_KEY_PREFIX));
    this.redis = createRedis(first.env.REDIS_URL, quiet);
    await connectRedis(this.redis, quiet);
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => r.stopAll()));
    await this.publisher?.disconnect();
    this.redis?.disconnect();
    await this.sandbox?.close();
  }

  service(replica = 0): RunningService {
    return this.replicas[replica].services.get('notifier')!;
  }

  async publish(...events: ClassifiedEvent[]): Promise<void> {
    await this.publisher.publish(
      Topics.classified,
      events.map((e) => ({ key: e.message!.conversationId, value: e })),
    );
  }

  async status(
    conversationId: string,
    change: StatusChange,
    actor: string,
    extra: { wholeTeam?: boolean; teamId?: string; eventId?: string } = {},
  ): Promise<void> {
    const event = create(StatusEventSchema, {
      eventId: extra.eventId ?? `${conversationId}:${StatusChange[change]}:${Math.random().toString(36).slice(2)}`,
      conversationId,
      change,
      actor: { id: `U-${actor}`, name: actor, source: 'slack' },
      at: { seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 },
      wholeTeam: extra.wholeTeam ?? false,
      teamId: extra.teamId ?? '',
    });
    if (change === StatusChange.SPAM || change === StatusChange.NOT_SPAM)
      await new SpamMarks(this.redis, this.keys).apply({
        spam: change === StatusChange.SPAM,
        scope: extra.wholeTeam ? 'team' : 'conversation',
        conversationId,
        bot: botOfId(conversationId),
        teamId: extra.teamId,
        by: actor,
        atMs: Date.now(),
      });
    await this.publisher.publish(Topics.status, [{ key: conversationId, value: event }]);
  }

  async messages(channel?: string): Promise<SandboxMessage[]> {
    const query = channel ? `?channel=${encodeURIComponent(channel)}` : '';
    return (await (await fetch(`${this.sandbox.url}/_sandbox/slack/messages${query}`)).json()) as SandboxMessage[];
  }

  async sandboxState(): Promise<{
    slack: { calls: Record<string, number>; outcomes: Record<string, number>; ratelimited: number };
  }> {
    return (await (await fetch(`${this.sandbox.url}/_sandbox/state`)).json()) as never;
  }

  /** Top-level messages about a conversation (its root, or a digest listing it). */
  static about(messages: SandboxMessage[], conversationId: string): SandboxMessage[] {
    const pattern = new RegExp(`conversations/${conversationId}(?![\\w-])`);
    return messages.filter((m) => !m.thread_ts && pattern.test(JSON.stringify(m.blocks ?? m.text)));
  }

  /** The root of a conversation: the top-level message whose metadata names it. */
  async rootOf(conversationId: string, timeoutMs = 30000): Promise<SandboxMessage> {
    const [root] = await eventually(
      async () =>
        (await this.messages()).filter(
          (m) => !m.thread_ts && m.metadata?.event_payload.conversation_id === conversationId,
        ),
      (found) => found.length > 0,
      timeoutMs,
      `the root of ${conversationId}`,
    );
    return root;
  }

  repliesTo(messages: SandboxMessage[], root: SandboxMessage): SandboxMessage[] {
    return messages.filter((m) => m.thread_ts === root.ts);
  }

  /** A metric's value on a replica's /metrics (sum over the series that contain every given label). */
  async metric(name: string, labels: Record<string, string> = {}, replica = 0): Promise<number> {
    const text = await (await fetch(this.replicas[replica].url('notifier', '/metrics'))).text();
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    return text
      .split('\n')
      .filter(
        (line) =>
          line.startsWith(name) &&
          (line[name.length] === '{' || line[name.length] === ' ') &&
          wanted.every((w) => line.includes(w)),
      )
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  }

  /** Waits until a metric reaches a value (how tests know an event was handled without a Slack effect). */
  async metricReaches(name: string, labels: Record<string, string>, atLeast: number, timeoutMs = 30000): Promise<void> {
    await eventually(
      () => this.metric(name, labels),
      (v) => v >= atLeast,
      timeoutMs,
      `${name}${JSON.stringify(labels)} >= ${atLeast}`,
    );
  }
}

export const buttonIds = (m: SandboxMessage) =>
  m.blocks?.find((b) => b.type === 'actions')?.elements?.map((e) => e.action_id) ?? [];
export { eventually };
