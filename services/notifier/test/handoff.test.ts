// The bot's request for a human on the Slack root: the reason and summary shown (the bot's text escaped),
// Take over first among the buttons until someone takes over or it times out, and a `team:` route naming the
// handoff's team choosing the channel of a new conversation.
import { create, ClassifiedEventSchema, EventKind, Priority, StatusChange } from '@switchboard/proto';
import { buttonsFor } from '../src/buttons';
import { applyStatus, handoffOf, summarize, withHandoff, type StatusView } from '../src/conversation';
import { SLACK_ACTION_IDS as ACTION_IDS } from '@switchboard/agreements';
import { renderRoot, statusLine } from '../src/render';
import { channelFor } from '../src/routes';
import { summary } from './fixtures';

const handoff = {
  reason: 'The user asked for <!channel>',
  summary: 'Wants a refund\n<@U123> for order 1042',
  team: 'billing',
  atMs: 1,
};
const actionIds = (status: StatusView) =>
  (
    (
      renderRoot({
        summary: summary('hi'),
        status,
        transcriptUrl: 'http://console/c1',
        taskUrl: 'http://console/c1/task',
      }).blocks as {
        type: string;
        elements?: { action_id?: string }[];
      }[]
    ).find((b) => b.type === 'actions')?.elements ?? []
  ).map((e) => e.action_id);

describe('a handoff on the Slack root', () => {
  it('shows "The bot asks for a human: <reason>" with the summary, escaped', () => {
    const message = renderRoot({
      summary: summary('hi'),
      status: { handoff },
      transcriptUrl: 'http://console/c1',
      taskUrl: 'http://console/c1/task',
    });
    const json = JSON.stringify(message);
    expect(json).toContain('*The bot asks for a human:* The user asked for &lt;!channel&gt; (team billing)');
    expect(json).toContain('>Wants a refund\\n>&lt;@U123&gt; for order 1042');
    expect(json).not.toContain('<!channel>');
    expect(json).not.toContain('<@U123>');
    expect(message.text).toContain('The bot asks for a human: The user asked for &lt;!channel&gt;');
  });

  it('puts Take over first while the bot waits, and back in its place after a timeout or a takeover', () => {
    expect(actionIds({ handoff })).toEqual([
      ACTION_IDS.takeover,
      ACTION_IDS.reviewed,
      ACTION_IDS.spam,
      ACTION_IDS.assignMe,
      ACTION_IDS.close,
    ]);
    expect(buttonsFor({ handoff, reviewedBy: 'Xavier' })).toEqual(['takeover', 'spam', 'assign_me', 'close']);
    const timedOut = applyStatus({ handoff }, StatusChange.HANDOFF_TIMED_OUT, 'system', 2);
    expect(timedOut.handoff).toBeUndefined();
    expect(buttonsFor(timedOut)).toEqual(['reviewed', 'spam', 'takeover', 'assign_me', 'close']);
    expect(statusLine(timedOut)).toContain('No operator took the handoff in time');
    const taken = applyStatus({ handoff }, StatusChange.TAKEOVER_STARTED, 'Zoe', 2);
    expect(taken.handoff).toBeUndefined();
    expect(buttonsFor(taken)).toEqual(['handback', 'assign_me', 'close']);
  });

  it('does not show a request that a later takeover or timeout already settled (read out of order)', () => {
    const request = { ...handoff, atMs: 1000 };
    expect(withHandoff({}, request).handoff).toEqual(request);
    expect(
      withHandoff({ last: { change: 'handoff_timed_out', by: 'system', atMs: 3000 } }, request).handoff,
    ).toBeUndefined();
    expect(
      withHandoff({ takenOverBy: 'Zoe', last: { change: 'taken_over', by: 'Zoe', atMs: 2000 } }, request).handoff,
    ).toBeUndefined();
    // An earlier takeover, handed back since: the new request shows.
    expect(withHandoff({ last: { change: 'handed_back', by: 'Zoe', atMs: 500 } }, request).handoff).toEqual(request);
  });

  it('reads the request from a HANDOFF_REQUESTED event only', () => {
    const message = {
      conversationId: 'c1',
      eventId: 'e1',
      text: '',
      handoff: { reason: 'r', summary: 's', team: 'billing' },
    };
    expect(handoffOf(create(ClassifiedEventSchema, { kind: EventKind.HANDOFF_REQUESTED, message }))).toMatchObject({
      reason: 'r',
      summary: 's',
      team: 'billing',
    });
    expect(
      handoffOf(
        create(ClassifiedEventSchema, { kind: EventKind.MESSAGE, message: { ...message, handoff: undefined } }),
      ),
    ).toBeNull();
  });

  it("routes a new conversation by the handoff's team before any other route", () => {
    const routes = [
      { field: 'priority' as const, value: 'high', channel: '#urgent' },
      { field: 'team' as const, value: 'billing', channel: '#billing' },
    ];
    const first = summarize(
      create(ClassifiedEventSchema, {
        kind: EventKind.HANDOFF_REQUESTED,
        priority: Priority.HIGH,
        message: { conversationId: 'c1', eventId: 'e1', handoff: { reason: 'r', team: 'billing' } },
      }),
    );
    expect(channelFor(routes, '#triage', first)).toBe('#billing');
    expect(channelFor(routes, '#triage', { ...first, handoffTeam: 'legal' })).toBe('#urgent');
  });
});
