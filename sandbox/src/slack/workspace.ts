// The sandbox's Slack workspace: its team, the operators who click and reply from the page or
// /_sandbox/slack/*, a guest and a Slack Connect user from another team (to be refused), one user group,
// and a made-up, stable profile for any other user id, so users.info answers for everyone.

export const SANDBOX_TEAM_ID = 'T0SANDBOX0';
export const SANDBOX_TEAM_DOMAIN = 'switchboard-sandbox';

export interface SlackPerson {
  id: string;
  /** The handle (Slack's `name` / `username`). */
  name: string;
  realName: string;
  email: string;
  /** A guest: a multi-channel (restricted) or single-channel (ultra_restricted) one. */
  guest?: 'restricted' | 'ultra_restricted';
  /** Another workspace's member (Slack Connect); absent: the sandbox's own team. */
  teamId?: string;
}

/** Who clicks and replies when a request names no user. */
export const SANDBOX_OPERATOR_ID = 'U0SANDBOXOP1';

export const SANDBOX_OPERATORS: readonly SlackPerson[] = [
  { id: SANDBOX_OPERATOR_ID, name: 'olivia', realName: 'Olivia Operator', email: 'olivia@example.test' },
  { id: 'U0SANDBOXOP2', name: 'oscar', realName: 'Oscar Operator', email: 'oscar@example.test' },
];

/** A multi-channel guest of the sandbox's workspace, and a member of another workspace in a shared channel. */
export const SANDBOX_GUEST: SlackPerson = {
  id: 'U0SANDBOXGST',
  name: 'gina',
  realName: 'Gina Guest',
  email: 'gina@guest.example',
  guest: 'restricted',
};
export const SANDBOX_EXTERNAL: SlackPerson = {
  id: 'U0SANDBOXEXT',
  name: 'xavier',
  realName: 'Xavier External',
  email: 'xavier@partner.example',
  teamId: 'T0PARTNER01',
};

/** User groups (usergroups.users.list): the triage leads, Olivia alone. */
export const SANDBOX_USERGROUPS: Readonly<Record<string, readonly string[]>> = { S0SANDBOXOPS: [SANDBOX_OPERATOR_ID] };

/** The person behind a user id: an operator, or one derived from the id (the same id, the same person). */
export function slackPerson(id: string): SlackPerson {
  const operator = [...SANDBOX_OPERATORS, SANDBOX_GUEST, SANDBOX_EXTERNAL].find((o) => o.id === id);
  if (operator) return operator;
  const handle = id.toLowerCase();
  return { id, name: handle, realName: `Sandbox User ${id}`, email: `${handle}@sandbox.example` };
}

/** A person as users.info returns them. */
export function userJson(person: SlackPerson) {
  return {
    id: person.id,
    team_id: person.teamId ?? SANDBOX_TEAM_ID,
    name: person.name,
    deleted: false,
    is_restricted: person.guest !== undefined,
    is_ultra_restricted: person.guest === 'ultra_restricted',
    // Slack says so of a user from an organisation the caller's team has no shared channel with.
    ...(person.teamId ? { is_stranger: true } : {}),
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
      team: person.teamId ?? SANDBOX_TEAM_ID,
    },
  };
}
