// Who may act from Slack: full members of our workspace, narrowed by SLACK_ALLOWED_OPERATORS.
import { operatorVerdict, parseAllowedOperators, type SlackMember } from '../../src/slack/operator-policy';

const member = (over: Partial<SlackMember> = {}): SlackMember => ({
  id: 'U0001',
  teamId: 'T1',
  guest: false,
  stranger: false,
  deleted: false,
  ...over,
});
const everyone = parseAllowedOperators([]);
const none = new Set<string>();

describe('operatorVerdict', () => {
  it('lets any full member of our workspace act by default', () => {
    expect(operatorVerdict(member(), 'T1', everyone, none)).toEqual({ ok: true });
  });

  it('refuses guests, other workspaces’ users and deactivated users, listed or not', () => {
    const listed = parseAllowedOperators(['U0001']);
    expect(operatorVerdict(member({ guest: true }), 'T1', listed, none)).toEqual({
      ok: false,
      reason: 'guest account',
    });
    expect(operatorVerdict(member({ teamId: 'T2' }), 'T1', listed, none)).toEqual({
      ok: false,
      reason: 'user of another workspace',
    });
    expect(operatorVerdict(member({ stranger: true }), 'T1', everyone, none)).toMatchObject({ ok: false });
    expect(operatorVerdict(member({ deleted: true }), 'T1', everyone, none)).toMatchObject({ ok: false });
  });

  it('with SLACK_ALLOWED_OPERATORS, takes only the users and group members it names', () => {
    const allowed = parseAllowedOperators(['U0009', 'S0001']);
    expect(operatorVerdict(member(), 'T1', allowed, none)).toEqual({
      ok: false,
      reason: 'not in SLACK_ALLOWED_OPERATORS',
    });
    expect(operatorVerdict(member(), 'T1', allowed, new Set(['U0001']))).toEqual({ ok: true });
    expect(operatorVerdict(member({ id: 'U0009' }), 'T1', allowed, none)).toEqual({ ok: true });
  });
});

describe('parseAllowedOperators', () => {
  it('sorts user ids from user-group ids and refuses anything else', () => {
    const allowed = parseAllowedOperators(['U0001', ' W0002 ', 'S0003']);
    expect([...allowed.users]).toEqual(['U0001', 'W0002']);
    expect(allowed.groups).toEqual(['S0003']);
    expect(() => parseAllowedOperators(['#ops'])).toThrow(/SLACK_ALLOWED_OPERATORS/);
  });
});
