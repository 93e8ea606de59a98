// The sandbox's Slack workspace: its team, the operators who click and reply from the page or
// /_sandbox/slack/*, and a made-up, stable profile for any other user id, so users.info answers for everyone.

export const SANDBOX_TEAM_ID = 'T0SANDBOX0';
export const SANDBOX_TEAM_DOMAIN = 'switchboard-sandbox';

export interface SlackPerson {
  id: string;
  /** The handle (Slack's `name` / `username`). */
  name: string;
  realName: string;
  email: string;
}

/** Who clicks and replies when a request names no user. */
export const SANDBOX_OPERATOR_ID = 'U0SANDBOXOP1';

export const SANDBOX_OPERATORS: readonly SlackPerson[] = [
  { id: SANDBOX_OPERATOR_ID, name: 'olivia', realName: 'Olivia Operator', email: 'olivia@example.test' },
  { id: 'U0SANDBOXOP2', name: 'oscar', realName: 'Oscar Operator', email: 'oscar@example.test' },
];

/** The person behind a user id: an operator, or one derived from the id (the same id, the same person). */
export function slackPerson(id: string): SlackPerson {
  const operator = SANDBOX_OPERATORS.find((o) => o.id === id);
  if (operator) return operator;
  const handle = id.toLowerCase();
  return { id, name: handle, realName: `Sandbox User ${id}`, email: `${handle}@sandbox.example` };
}

/** A person as users.info returns them. */
export function userJson(person: SlackPerson) {
  return {
    id: person.id,
    team_id: SANDBOX_TEAM_ID,
    name: person.name,
    deleted: false,
    real_name: person.realName,
    tz: 'Europe/Amsterdam',
    tz_offset: 3600,
    is_admin: false,
    is_bot: false,
    is_app_user: false,
    updated: 1700000000,
    profile: {
      real_name: person.realName,
      real_name_normalized: person.realName,
      display_name: person.name,
      display_name_normalized: person.name,
      email: person.email,
      image_48: `https://sandbox.example/avatars/${person.name}_48.png`,
      team: SANDBOX_TEAM_ID,
    },
  };
}
