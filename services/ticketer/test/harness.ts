// A sandbox Asana, ticketer processes, and a way to put events on their topics: what the ticketer's
// integration tests share, with the faults they open on purpose (a create killed before it is recorded, a
// deleted tag, a Redis of their own to lose).
import { spawn, type ChildProcess } from 'node:child_process';
import { Publisher, TopicNames, Topics, createKafka } from '@switchboard/bus';
import { createLogger } from '@switchboard/core';
import {
  ClassifiedEventSchema,
  Direction,
  EventKind,
  Priority,
  StatusChange,
  StatusEventSchema,
  create,
  timestampNow,
} from '@switchboard/proto';
import { startSandbox } from '@switchboard/sandbox';
import { ConversationRefs, connectRedis, createKeys, createRedis, type Redis } from '@switchboard/store';
import { TestSystem, eventually, freePort } from '../../../test/support/services';

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
  projects: string[];
  memberships: { project: string; section: string }[];
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
    this.publisher = new Publisher(
      createKafka({ brokers: this.system.env.KAFKA_BROKERS.split(','), clientId: 'ticketer-test', logger: quiet }),
      new TopicNames(this.system.env.KAFKA_TOPIC_PREFIX),
    );
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
  async message(
    conversationId: string,
    text: string,
    options: { eventId?: string; priority?: Priority; name?: string } = {},
  ): Promise<string> {
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
        message: {
          eventId: `${conversationId}-m${++this.seq}`,
          conversationId,
          text,
          platform: 'web',
          user: { id: 'u1', name: 'Ann' },
          team: { id: 't1', name: 'Acme' },
          direction: Direction.USER,
        },
        kind: EventKind.CONVERSATION_STARTED,
        priority: priority ?? Priority.NORMAL,
      }),
    }));
    await this.publisher.publish(Topics.classified, events);
  }

  async status(
    conversationId: string,
    change: StatusChange,
    note = '',
    actor: { name: string; email?: string; source?: string } = { name: 'Bo' },
  ): Promise<void> {
    const event = create(StatusEventSchema, {
      eventId: `${conversationId}-s${++this.seq}`,
      conversationId,
      change,
      note,
      actor,
      at: timestampNow(),
    });
    await this.publisher.publish(Topics.status, [{ key: conversationId, value: event }]);
  }

  async tasks(): Promise<SandboxTask[]> {
    return (await (await fetch(`${this.sandbox.url}/_sandbox/asana/tasks`)).json()) as SandboxTask[];
  }

  async task(conversationId: string): Promise<SandboxTask | undefined> {
    return (await this.tasks()).find((t) =>
      t.notes.split('\n').includes(`Switchboard conversation: ${conversationId}`),
    );
  }

  /** Waits until the conversation's task satisfies `done`. */
  eventually(
    conversationId: string,
    done: (task: SandboxTask) => boolean,
    what: string,
    timeoutMs = 30000,
  ): Promise<SandboxTask | undefined> {
    return eventually(
      () => this.task(conversationId),
      (t) => t !== undefined && done(t),
      timeoutMs,
      what,
    );
  }

  /** Changes the sandbox Asana's behaviour (plan, search lag, held creates); see sandbox/src/settings.ts. */
  async asanaConfig(settings: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${this.sandbox.url}/_sandbox/config`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ asana: settings }),
    });
    if (!res.ok) throw new Error(`sandbox config refused: ${res.status} ${await res.text()}`);
  }

  /**
   * kill -9 of a ticketer right after Asana made the conversation's task and before the ticketer recorded it:
   * the sandbox holds the create answer, the harness waits for the task to exist, then SIGKILLs the process.
   */
  async killRightAfterCreate(system: TestSystem, conversationId: string, text: string): Promise<void> {
    const ticketer = system.services.get('ticketer');
    if (!ticketer) throw new Error('no ticketer running to kill');
    await this.asanaConfig({ createAnswerDelayMs: 120000 });
    try {
      await this.message(conversationId, text);
      await this.eventually(conversationId, () => true, 'the task whose create answer is held');
      await system.stop('ticketer', 'SIGKILL');
    } finally {
      await this.asanaConfig({ createAnswerDelayMs: 0 });
    }
  }

  /** How often the sandbox Asana was asked this route ('GET /workspaces/:workspace_gid/tasks/search'). */
  async asanaCalls(route: string): Promise<number> {
    const state = (await (await fetch(`${this.sandbox.url}/_sandbox/state`)).json()) as {
      asana: { calls: Record<string, number> };
    };
    return state.asana.calls[route] ?? 0;
  }

  /** A call to the sandbox's Asana API as a person in the workspace would make it (tidying tags, sections). */
  async asana<T = unknown>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    data?: Record<string, unknown>,
  ): Promise<T> {
    const res = await fetch(`${this.sandbox.asanaBaseUrl}${path}`, {
      method,
      headers: { authorization: 'Bearer asana-ticketer-test', 'content-type': 'application/json' },
      ...(data ? { body: JSON.stringify({ data }) } : {}),
    });
    if (!res.ok) throw new Error(`asana ${method} ${path}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { data: T }).data;
  }

  async deleteTag(gid: string): Promise<void> {
    await this.asana('DELETE', `/tags/${gid}`);
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

/** A redis-server of the test's own (no persistence), so that a test may FLUSHALL it without touching others. */
export class PrivateRedis {
  private child?: ChildProcess;
  url = '';

  async start(): Promise<string> {
    const port = await freePort();
    this.child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.url = `redis://127.0.0.1:${port}`;
    const probe = createRedis(this.url, quiet);
    try {
      await connectRedis(probe, quiet);
      await eventually(
        () => probe.ping().catch(() => 'down'),
        (answer) => answer === 'PONG',
        10000,
        'the private redis-server',
      );
    } finally {
      probe.disconnect();
    }
    return this.url;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
