// The ticketer and the deadline clocks (the service as a process, the sandbox Asana): a clock's deadline
// becomes the task's due_at and its stop clears it; a breach tags the task `sla-breached` (a tag found or
// made once) with one comment per level, whatever is redelivered; a deadline that came before the task
// existed is carried onto it when it is created.
import { Publisher, TopicNames, Topics, createKafka } from '@switchboard/bus';
import { create, StatusChange, StatusEventSchema, timestampFromMs, type StatusEvent } from '@switchboard/proto';
import { slaTicketOps } from '../src/sla-ops';
import { eventually } from '../../../test/support/services';
import { TicketerHarness, comments, quiet } from './harness';

jest.setTimeout(90000);

const DEADLINE_MS = Date.parse('2030-01-02T03:04:05.000Z');

const deadline = (conversationId: string, at: number | null, cycle = 1): StatusEvent =>
  create(StatusEventSchema, {
    eventId: `sla:${conversationId}:review:${cycle}:${at === null ? 'stopped' : 'deadline'}`,
    conversationId,
    change: StatusChange.SLA_DEADLINE,
    at: timestampFromMs(Date.now()),
    sla: { clock: 'review', cycle, deadline: at === null ? undefined : timestampFromMs(at), policy: 'urgent' },
  });
const breach = (conversationId: string, level: number, repeat: number): StatusEvent =>
  create(StatusEventSchema, {
    eventId: `sla:${conversationId}:review:1:breach:${level}:${repeat}`,
    conversationId,
    change: StatusChange.SLA_BREACHED,
    at: timestampFromMs(Date.now()),
    sla: { clock: 'review', cycle: 1, level, repeat, policy: 'urgent' },
  });

describe('the task of a conversation with a deadline', () => {
  it('plans due_at from the deadline, clears it on a stop, and tags and comments a breach once per level', () => {
    expect(slaTicketOps(deadline('c', DEADLINE_MS))).toEqual([{ op: 'due', at: '2030-01-02T03:04:05.000Z' }]);
    expect(slaTicketOps(deadline('c', null))).toEqual([{ op: 'due', at: null }]);
    expect(slaTicketOps(breach('c', 0, 0))).toEqual([
      { op: 'addTag', name: 'sla-breached' },
      { op: 'comment', text: 'The review deadline passed (SLA policy urgent).' },
    ]);
    expect(slaTicketOps(breach('c', 0, 3))).toEqual([]);
    expect(slaTicketOps(breach('c', 2, 0))[1]).toEqual({
      op: 'comment',
      text: 'The review deadline escalated to level 2 (SLA policy urgent).',
    });
  });
});

describe('ticketer and SLA events', () => {
  const h = new TicketerHarness();
  let publisher: Publisher;
  const publish = (...events: StatusEvent[]) =>
    publisher.publish(
      Topics.status,
      events.map((value) => ({ key: value.conversationId, value })),
    );
  /** The task's due_at as Asana's API answers it. */
  const dueAtOf = (conversationId: string, expected: string | null, what: string) =>
    eventually(
      async () => {
        const task = await h.task(conversationId);
        return task
          ? (await h.asana<{ due_at: string | null }>('GET', `/tasks/${task.gid}?opt_fields=due_at`)).due_at
          : undefined;
      },
      (due) => due === expected,
      30000,
      what,
    );

  beforeAll(async () => {
    await h.start();
    await h.system.start('ticketer');
    publisher = new Publisher(
      createKafka({ brokers: h.system.env.KAFKA_BROKERS.split(','), clientId: 'ticketer-sla-test', logger: quiet }),
      new TopicNames(h.system.env.KAFKA_TOPIC_PREFIX),
    );
    await publisher.connect();
  }, 90000);
  afterAll(async () => {
    await publisher?.disconnect();
    await h.stop();
  });

  it('sets due_at, tags sla-breached once, comments once per level, and clears due_at when the clock stops', async () => {
    await h.message('sla-1', 'where is my refund?');
    await h.eventually('sla-1', () => true, 'the task');
    await publish(deadline('sla-1', DEADLINE_MS), deadline('sla-1', DEADLINE_MS));
    await dueAtOf('sla-1', '2030-01-02T03:04:05.000Z', 'due_at on the task');

    await publish(breach('sla-1', 0, 0), breach('sla-1', 0, 1), breach('sla-1', 1, 0), breach('sla-1', 0, 0));
    const task = await h.eventually(
      'sla-1',
      (t) => comments(t).some((c) => c.includes('level 1')),
      'the breach comments',
    );
    expect(task!.tags.filter((t) => t.name === 'sla-breached')).toHaveLength(1);
    expect(comments(task!).filter((c) => c.startsWith('The review deadline'))).toEqual([
      'The review deadline passed (SLA policy urgent).',
      'The review deadline escalated to level 1 (SLA policy urgent).',
    ]);

    await publish(deadline('sla-1', null));
    await dueAtOf('sla-1', null, 'due_at cleared');
  });

  it('carries a deadline that came before the task onto the task when it is created', async () => {
    await publish(deadline('sla-2', DEADLINE_MS));
    // The deadline is remembered (no task yet), then the first message makes the task.
    await h.message('sla-2', 'hello?');
    await dueAtOf('sla-2', '2030-01-02T03:04:05.000Z', 'due_at carried onto the new task');
  });
});
