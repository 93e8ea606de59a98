// A sandbox Asana, ticketer processes, and a way to put events on their topics: what the ticketer's
// integration tests share.
import { Publisher, TopicNames, Topics, createKafka } from '@switchboard/bus';
import { createLogger } from '@switchboard/core';
import { ClassifiedEventSchema, Direction, EventKind, Priority, StatusChange, StatusEventSchema, create, timestampNow } from '@switchboard/proto';
import { startSandbox } from '@switchboard/sandbox';
import { ConversationRefs, connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { TestSystem, eventually } from '../../../test/support/services';

export const quiet = createLogger({ service: 'ticketer-test', level: 'silent' });
export const PROJECT_GID = '1200000000000001';

export interface SandboxTask {
  gid: string;
  name: string;
  notes: string;
  completed: boolean;
  assignee: string | null;
  external?: { gid?: string };
  tags: { gid: string; name: string }[];
  stories: { type: string; text: string }[];
}

export class TicketerHarness {
  sandbox!: Awaited<ReturnType<typeof startSandbox>>;
  system!: TestSystem;
  redis!: Redis;
  refs!: ConversationRefs;
  private publisher!: Publisher;
  private seq = 0;

  async start(env: Record<string, string> = {}): Promise<void> {
    this.sandbox = await startSandbox({ port: 0, host: '127.0.0.1' });
    this.system = new TestSystem({
      ASANA_TOKEN: 'asana-ticketer-test',
      ASANA_BASE_URL: this.sandbox.asanaBaseUrl,
      ASANA_PROJECT_GID: PROJECT_GID,
      CONSOLE_BASE_URL: 'http://console.test/',
      TICKETER_COMMENT_WINDOW_MS: '800',
      LOG_LEVEL: 'warn',
      ...env,
    });
    this.publisher = new Publisher(createKafka({ brokers: this.system.env.KAFKA_BROKERS.split(','), clientId: 'ticketer-test', logger: quiet }), new TopicNames(this.system.env.KAFKA_TOPIC_PREFIX));
    await this.publisher.connect();
    this.redis = createRedis(this.system.env.REDIS_URL, quiet);
    await connectRedis(this.redis, quiet);
    this.refs = new ConversationRefs(this.redis, createKeys(this.system.env.REDIS_KEY_PREFIX));
  }

  async stop(): Promise<void> {
    await this.system?.stopAll();
    await this.publisher?.disconnect();
    this.redis?.disconnect();
    await this.sandbox?.close();
  }

  /** A user's message as the classifier publishes it; returns its event id. */
  async message(conversationId: string, text: string, options: { eventId?: string; priority?: Priority; name?: string } = {}): Promise<string> {
    const eventId = options.eventId ?? `${conversationId}-m${++this.seq}`;
    const event = create(ClassifiedEventSchema, {
      message: {
        eventId,
        conversationId,
        text,
        platform: 'web',
        user: { id: 'u-' + conversationId, name: options.name ?? 'Ann' },
        team: { id: 't1', name: 'Acme' },
        direction: Direction.USER,
        receivedAt: timestampNow(),
      },
      kind: EventKind.MESSAGE,
      priority: options.priority ?? Priority.NORMAL,
    });
    await this.publisher.publish(Topics.classified, [{ key: conversationId, value: event }]);
    return eventId;
  }

  async messages(items: { conversationId: string; text: string; priority?: Priority }[]): Promise<void> {
    const events = items.map(({ conversationId, text, priority }) => ({
      key: conversationId,
      value: create(ClassifiedEventSchema, {
        message: { eventId: `${conversationId}-m${++this.seq}`, conversationId, text, platform: 'web', user: { id: 'u1', name: 'Ann' }, team: { id: 't1', name: 'Acme' }, direction: Direction.USER },
        kind: EventKind.CONVERSATION_STARTED,
        priority: priority ?? Priority.NORMAL,
      }),
    }));
    await this.publisher.publish(Topics.classified, events);
  }

  async status(conversationId: string, change: StatusChange, note = ''): Promise<void> {
    const event = create(StatusEventSchema, { eventId: `${conversationId}-s${++this.seq}`, conversationId, change, note, actor: { name: 'Bo' }, at: timestampNow() });
    await this.publisher.publish(Topics.status, [{ key: conversationId, value: event }]);
  }

  async tasks(): Promise<SandboxTask[]> {
    return (await (await fetch(`${this.sandbox.url}/_sandbox/asana/tasks`)).json()) as SandboxTask[];
  }

  async task(conversationId: string): Promise<SandboxTask | undefined> {
    return (await this.tasks()).find((t) => t.notes.split('\n').includes(`Switchboard conversation: ${conversationId}`));
  }

  /** Waits until the conversation's task satisfies `done`. */
  eventually(conversationId: string, done: (task: SandboxTask) => boolean, what: string, timeoutMs = 30000): Promise<SandboxTask | undefined> {
    return eventually(() => this.task(conversationId), (t) => t !== undefined && done(t), timeoutMs, what);
  }

  async fault(status: number, seconds: number, retryAfter: number): Promise<void> {
    await fetch(`${this.sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'asana', status, seconds, retryAfter }),
    });
  }
}

export const comments = (task: SandboxTask) => task.stories.filter((s) => s.type === 'comment').map((s) => s.text);

/** Conversation ids that more than one task claims, by the notes marker. */
export function duplicateMarkers(tasks: SandboxTask[]): string[] {
  const seen = new Map<string, number>();
  for (const t of tasks) {
    const marker = t.notes.split('\n').find((l) => l.startsWith('Switchboard conversation: '));
    if (marker) seen.set(marker, (seen.get(marker) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([m]) => m);
}
