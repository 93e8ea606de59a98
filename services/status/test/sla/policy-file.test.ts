// The SLA policy file: the example beside the code reads, the first matching policy wins, and every kind of
// mistake is refused with its file:line:column and what is wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicyFile, PolicyFileError } from '../../src/sla/policy-file';
import { parseRoutes, routeChannel } from '@switchboard/agreements';
import { policyFor } from '../../src/sla/policy';

const problemsOf = (text: string): string[] => {
  try {
    parsePolicyFile(text, 'sla.yaml');
  } catch (err) {
    if (err instanceof PolicyFileError) return err.problems;
    throw err;
  }
  throw new Error('the file was accepted');
};

describe('the SLA policy file', () => {
  it('reads the commented example beside the code', () => {
    const text = readFileSync(join(__dirname, '../../src/sla/sla-policy.example.yaml'), 'utf8');
    const { policies, businessHours } = parsePolicyFile(text, 'example');
    expect(policies).toHaveLength(3);
    expect(policies[0]).toMatchObject({
      name: 'urgent',
      match: { priority: ['urgent'] },
      reviewWithinMs: 5 * 60_000,
      replyWithinMs: 10 * 60_000,
      repeatEveryMs: 10 * 60_000,
      maxRepeatEveryMs: 3_600_000,
    });
    expect(policies[0].escalate).toEqual([
      {
        afterMs: 15 * 60_000,
        mention: ['<!subteam^S0123>', '<@U0123>'],
        broadcast: true,
        channel: undefined,
        webhook: undefined,
      },
      { afterMs: 45 * 60_000, mention: [], broadcast: false, channel: '#support-leads', webhook: undefined },
      {
        afterMs: 2 * 3_600_000,
        mention: [],
        broadcast: false,
        channel: undefined,
        webhook: 'https://alerts.example.com/hook',
      },
    ]);
    expect(policies[1]).toMatchObject({ name: 'vip', match: { route: ['#vip', 'C0123ABCD'] } });
    expect(policies[2]).toMatchObject({ name: 'policies[2]', reviewWithinMs: 30 * 60_000, escalate: [] });
    expect(businessHours).toEqual({
      timeZone: 'Europe/Berlin',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      openMinute: 9 * 60,
      closeMinute: 18 * 60,
    });
    expect(policyFor({ policies }, { priority: 'urgent', teamId: 'T1', route: '#triage' })?.name).toBe('urgent');
    expect(policyFor({ policies }, { priority: 'low', teamId: 'T1', route: '#vip' })?.name).toBe('vip');
    expect(policyFor({ policies }, { priority: 'low', teamId: 'T1', route: '#triage' })?.name).toBe('policies[2]');
  });

  it('matches on every field it names, and none when no policy matches', () => {
    const { policies } = parsePolicyFile(
      'policies:\n  - match: { priority: [high], team_id: [T1] }\n    review_within: 1m\n',
    );
    expect(policyFor({ policies }, { priority: 'high', teamId: 'T1', route: '#triage' })).toBeDefined();
    expect(policyFor({ policies }, { priority: 'high', teamId: 'T2', route: '#triage' })).toBeUndefined();
  });

  it('matches the route a conversation takes, by channel name (with or without #) or id', () => {
    const { policies } = parsePolicyFile(
      'policies:\n  - match: { route: [urgent, C0UR6ENT1], priority: [high, urgent] }\n    review_within: 1m\n',
    );
    const traits = { priority: 'urgent', teamId: 'T1' };
    expect(policies[0].match.route).toEqual(['urgent', 'C0UR6ENT1']);
    expect(policyFor({ policies }, { ...traits, route: '#urgent' })).toBeDefined();
    expect(policyFor({ policies }, { ...traits, route: 'urgent' })).toBeDefined();
    expect(policyFor({ policies }, { ...traits, route: 'C0UR6ENT1' })).toBeDefined();
    expect(policyFor({ policies }, { ...traits, route: '#urgent-2' })).toBeUndefined();
    expect(policyFor({ policies }, { ...traits, route: 'C0OTHER01' })).toBeUndefined();
    expect(policyFor({ policies }, { ...traits, priority: 'low', route: '#urgent' })).toBeUndefined();
  });

  it('matches the route the notifier would choose from NOTIFIER_ROUTES and the triage channel', () => {
    const routes = parseRoutes('team:T9=#acme,priority:urgent=#urgent');
    const { policies } = parsePolicyFile(
      'policies:\n  - name: urgent-room\n    match: { route: ["#urgent"] }\n    review_within: 1m\n  - name: triage\n    match: { route: [triage] }\n    review_within: 5m\n',
    );
    const policyOf = (priority: string, teamId: string, handoffTeam?: string) =>
      policyFor(
        { policies },
        {
          priority,
          teamId,
          route: routeChannel(routes, '#triage', { priority, teamId, platform: 'web', handoffTeam }),
        },
      )?.name;
    expect(policyOf('urgent', 'T1')).toBe('urgent-room');
    expect(policyOf('normal', 'T1')).toBe('triage');
    expect(policyOf('urgent', 'T9')).toBeUndefined(); // routed to #acme: the team route comes first
    expect(policyOf('normal', 'T1', 'T9')).toBeUndefined(); // a handoff to team T9 goes to #acme
  });

  it('takes an empty file as no policies', () => {
    expect(parsePolicyFile('', 'x').policies).toEqual([]);
  });

  it.each([
    [
      'policies:\n  - review_within: 15\n',
      'sla.yaml:2:20: policies[0].review_within must be a duration like 45s, 15m, 2h or 1d, got "15"',
    ],
    ['policies:\n  - repeat_every: 1m\n', 'sla.yaml:2:5: policies[0] needs review_within or reply_within (or both)'],
    [
      'policies:\n  - review_within: 1m\n    max_repeat_every: 1h\n',
      'sla.yaml:3:23: policies[0].max_repeat_every needs repeat_every',
    ],
    [
      'policies:\n  - review_within: 1m\n    repeat_every: 1h\n    max_repeat_every: 1m\n',
      'sla.yaml:4:23: policies[0].max_repeat_every is shorter than repeat_every',
    ],
    ['policies:\n  - review_within: 1m\n    reveiw: 2m\n', 'sla.yaml:3:5: unknown field of policies[0] "reveiw"'],
    [
      'policies:\n  - match: { priority: [hot] }\n    review_within: 1m\n',
      'sla.yaml:2:24: policies[0].match.priority must name low, normal, high, urgent, got "hot"',
    ],
    [
      'policies:\n  - review_within: 1m\n    escalate:\n      - after: 1m\n',
      'sla.yaml:4:9: policies[0].escalate[0] does nothing: give it mention, broadcast, channel or webhook',
    ],
    [
      'policies:\n  - review_within: 1m\n    escalate:\n      - mention: ["<@U1>"]\n',
      'sla.yaml:4:9: policies[0].escalate[0] needs after (a duration since the breach)',
    ],
    [
      'policies:\n  - review_within: 1m\n    escalate:\n      - after: 1m\n        webhook: ftp://x\n',
      'sla.yaml:5:18: policies[0].escalate[0].webhook must be an http(s) URL',
    ],
    [
      'business_hours:\n  time_zone: Mars/Olympus\n  hours: "09:00-18:00"\n',
      'sla.yaml:2:14: business_hours.time_zone "Mars/Olympus" is not a known time zone',
    ],
    [
      'business_hours:\n  hours: "18:00-09:00"\n',
      'sla.yaml:2:10: business_hours.hours must be "HH:MM-HH:MM" with the opening first, like "09:00-18:00"',
    ],
    [
      'business_hours:\n  days: [mon, funday]\n  hours: "09:00-18:00"\n',
      'sla.yaml:2:9: business_hours.days must name sun, mon, tue, wed, thu, fri, sat, got "fun"',
    ],
    [
      'policies:\n  - review_within: 1m\n    escalate:\n      - after: 1m\n        mention: ["@oncall"]\n',
      'sla.yaml:5:18: policies[0].escalate[0].mention "@oncall" is not a Slack mention',
    ],
    [
      'policies:\n  - match:\n      route: ["#urgent", "Urgent Room"]\n    review_within: 1m\n',
      'sla.yaml:3:26: policies[0].match.route "Urgent Room" is not a channel name (#name) or id (C…)',
    ],
    [
      'policies:\n  - match: { route: "#urgent" }\n    review_within: 1m\n',
      'sla.yaml:2:21: policies[0].match.route must be a list',
    ],
    [
      'policies:\n  - match: { channel: [x] }\n    review_within: 1m\n',
      'sla.yaml:2:14: unknown field of policies[0].match "channel" (expected priority, team_id, route)',
    ],
    ['policies: [\n', 'sla.yaml:2:1'],
  ])('refuses %p with where and what', (text, problem) => {
    expect(problemsOf(text).join('\n')).toContain(problem);
  });
});
