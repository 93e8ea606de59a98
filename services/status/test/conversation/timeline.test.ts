// The timeline's pure transitions: each first-time field set once, each fact measured once when both its
// ends are known (whatever order the topics deliver them in), and the open bucket the gauge counts.
import { StatusChange } from '@switchboard/proto';
import { openBucket, timelineTransition, type Timeline, type TimelineEvent } from '../../src/conversation/timeline';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const msg = (
  eventId: string,
  at: number,
  from: 'user' | 'bot' | 'operator' = 'user',
  priority = 'normal',
): TimelineEvent => ({
  kind: 'message',
  eventId,
  at,
  from,
  priority,
  platform: 'web',
  teamId: 'T1',
  teamName: 'Acme',
  userId: 'U1',
  userName: 'Ann',
  by: from === 'operator' ? 'Olga' : 'Ann',
});
const status = (eventId: string, at: number, change: StatusChange, by = 'Olga'): TimelineEvent => ({
  kind: 'status',
  eventId,
  at,
  change,
  by,
});

/** Folds events, collecting facts. */
function run(events: TimelineEvent[], start: Timeline = {}) {
  let t = start;
  const facts = [];
  for (const e of events) {
    const { set, facts: f } = timelineTransition(t, e);
    t = { ...t, ...set };
    facts.push(...f);
  }
  return { t, facts };
}

describe('timelineTransition', () => {
  it('records the life of a conversation and measures review, first reply and close once each', () => {
    const { t, facts } = run([
      msg('m1', T0, 'user', 'normal'),
      msg('m2', T0 + 10_000, 'bot'),
      msg('m3', T0 + 20_000, 'user', 'high'),
      status('s1', T0 + 90_000, StatusChange.REVIEWED, 'Olga'),
      status('s2', T0 + 95_000, StatusChange.REVIEWED, 'Pete'),
      status('s3', T0 + 100_000, StatusChange.TAKEOVER_STARTED),
      { kind: 'operator_message', eventId: 'o1', at: T0 + 120_000, by: 'Olga' },
      { kind: 'operator_message', eventId: 'o2', at: T0 + 130_000, by: 'Pete' },
      status('s4', T0 + 600_000, StatusChange.CLOSED),
      status('s5', T0 + 700_000, StatusChange.REOPENED),
      status('s6', T0 + 800_000, StatusChange.CLOSED),
    ]);
    expect(t).toMatchObject({
      startedAt: String(T0),
      priority: 'high',
      teamId: 'T1',
      userName: 'Ann',
      reviewedAt: String(T0 + 90_000),
      reviewedBy: 'Olga',
      takenOverAt: String(T0 + 100_000),
      firstHumanReplyAt: String(T0 + 120_000),
      firstHumanReplyBy: 'Olga',
      firstClosedAt: String(T0 + 600_000),
      closedAt: String(T0 + 800_000),
      reopens: '1',
      closed: '1',
    });
    expect(facts).toEqual([
      { fact: 'review', priority: 'high', seconds: 90 },
      { fact: 'first_human_reply', priority: 'high', seconds: 120 },
      { fact: 'close', priority: 'high', seconds: 600 },
    ]);
  });

  it('measures a review that arrived before the first message once the start is known', () => {
    const { t, facts } = run([status('s1', T0 + 30_000, StatusChange.REVIEWED), msg('m1', T0), msg('m2', T0 + 1000)]);
    expect(t.reviewedAt).toBe(String(T0 + 30_000));
    expect(facts).toEqual([{ fact: 'review', priority: 'normal', seconds: 30 }]);
  });

  it('counts a user message into a closed conversation as a resume, and a bot message not', () => {
    const { t } = run([
      msg('m1', T0),
      status('c', T0 + 1000, StatusChange.CLOSED),
      msg('m2', T0 + 2000, 'bot'),
      msg('m3', T0 + 3000),
    ]);
    expect(t).toMatchObject({
      closed: '',
      resumes: '1',
      lastResumedAt: String(T0 + 3000),
      firstClosedAt: String(T0 + 1000),
    });
  });

  it('changes nothing for an event that repeats what is known', () => {
    const { t } = run([msg('m1', T0), status('s1', T0 + 1, StatusChange.REVIEWED)]);
    expect(timelineTransition(t, msg('m2', T0 + 5, 'bot')).set).toEqual({});
    // A user message applied again (a redelivery) changes nothing: messages need no done-mark.
    expect(timelineTransition(t, msg('m1', T0)).set).toEqual({});
    const closed = run([status('c', T0 + 10, StatusChange.CLOSED), msg('m9', T0 + 20)], t).t;
    expect(closed).toMatchObject({ closed: '', resumes: '1' });
    expect(timelineTransition(closed, msg('m9', T0 + 20)).set).toEqual({});
    expect(timelineTransition(t, status('s2', T0 + 6, StatusChange.REVIEWED, 'Pete')).set).toEqual({});
    // A reopen of an open conversation changes no state (its time is kept, for a close that comes late).
    expect(timelineTransition(t, status('s3', T0 + 7, StatusChange.REOPENED)).set).toEqual({
      reopenedAt: String(T0 + 7),
    });
    expect(timelineTransition(t, status('s4', T0 + 8, StatusChange.NOTE)).set).toEqual({});
  });

  it('puts an open conversation in one bucket: unreviewed, reviewed, taken over; none when closed or spam', () => {
    const steps: [TimelineEvent, ReturnType<typeof openBucket>][] = [
      [msg('m1', T0, 'user', 'urgent'), { state: 'unreviewed', priority: 'urgent' }],
      [status('s1', T0 + 1, StatusChange.REVIEWED), { state: 'reviewed', priority: 'urgent' }],
      [status('s2', T0 + 2, StatusChange.TAKEOVER_STARTED), { state: 'taken_over', priority: 'urgent' }],
      [status('s3', T0 + 3, StatusChange.TAKEOVER_ENDED), { state: 'reviewed', priority: 'urgent' }],
      [status('s4', T0 + 4, StatusChange.SPAM), null],
      [status('s5', T0 + 5, StatusChange.NOT_SPAM), { state: 'reviewed', priority: 'urgent' }],
      [status('s6', T0 + 6, StatusChange.CLOSED), null],
    ];
    let t: Timeline = {};
    for (const [event, bucket] of steps) {
      t = { ...t, ...timelineTransition(t, event).set };
      expect({ event: event.eventId, bucket: openBucket(t) }).toEqual({ event: event.eventId, bucket });
    }
    expect(openBucket({ reviewedAt: '1' })).toBeNull();
    expect(openBucket({ startedAt: '1', priority: '' })).toEqual({ state: 'unreviewed', priority: 'unspecified' });
  });

  it('ends in the same state whatever order the three topics come in (a replay, or consumers at different speeds)', () => {
    const messages = [msg('m1', T0), msg('m2', T0 + 50_000), msg('m3', T0 + 200_000, 'user', 'urgent')];
    const statuses = [
      status('s1', T0 + 30_000, StatusChange.REVIEWED),
      status('s2', T0 + 40_000, StatusChange.TAKEOVER_STARTED),
      status('s3', T0 + 60_000, StatusChange.SPAM),
      status('s4', T0 + 70_000, StatusChange.NOT_SPAM),
      status('s5', T0 + 100_000, StatusChange.CLOSED),
      status('s6', T0 + 150_000, StatusChange.REOPENED),
      status('s7', T0 + 180_000, StatusChange.CLOSED),
    ];
    const replies: TimelineEvent[] = [{ kind: 'operator_message', eventId: 'o1', at: T0 + 45_000, by: 'Olga' }];
    const byTime = [...messages, ...statuses, ...replies].sort((a, b) => a.at - b.at);
    const orders = [
      byTime,
      [...messages, ...statuses, ...replies],
      [...statuses, ...replies, ...messages],
      [...replies, ...messages, ...statuses],
    ];
    const state = (events: TimelineEvent[]) => {
      const { t, facts } = run(events);
      const keep = [
        'startedAt',
        'priority',
        'reviewedAt',
        'firstHumanReplyAt',
        'firstClosedAt',
        'closed',
        'spam',
        'control',
      ];
      return {
        fields: Object.fromEntries(keep.map((k) => [k, t[k] ?? ''])),
        bucket: openBucket(t),
        facts: facts.map((f) => f.fact).sort(),
      };
    };
    const expected = state(byTime);
    // m3, a user message at 200 s after the close at 180 s, resumes it: open, reviewed, urgent.
    expect(expected.bucket).toEqual({ state: 'reviewed', priority: 'urgent' });
    expect(expected.fields).toMatchObject({ closed: '', spam: '', control: '' });
    for (const order of orders) expect(state(order)).toEqual(expected);
  });
});
