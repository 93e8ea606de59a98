// Who may act from Slack (buttons, thread replies): by default any full member of our own workspace, never
// a guest (is_restricted / is_ultra_restricted) nor a user of another workspace (Slack Connect); with
// SLACK_ALLOWED_OPERATORS, only the users and user-group members it names. Pure.
import { ConfigError } from '@switchboard/core';

export interface AllowedOperators {
  users: ReadonlySet<string>;
  groups: readonly string[];
}

/** SLACK_ALLOWED_OPERATORS: user ids (U…, W…) and user-group ids (S…). Empty: every full member. */
export function parseAllowedOperators(entries: string[]): AllowedOperators {
  const users = new Set<string>();
  const groups: string[] = [];
  for (const entry of entries.map((e) => e.trim()).filter(Boolean)) {
    if (/^[UW][A-Z0-9]{2,}$/.test(entry)) users.add(entry);
    else if (/^S[A-Z0-9]{2,}$/.test(entry)) groups.push(entry);
    else
      throw new ConfigError(
        'SLACK_ALLOWED_OPERATORS',
        `"${entry}" is neither a Slack user id (U…/W…) nor a user-group id (S…)`,
      );
  }
  return { users, groups };
}

/** What Slack says of the person who clicked or replied (users.info). */
export interface SlackMember {
  id: string;
  teamId: string;
  guest: boolean;
  /** Slack's is_stranger: from an organisation we share no channel with. */
  stranger: boolean;
  deleted: boolean;
}

export type OperatorVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Whether this member may act. `groupMembers` holds the members of the allowed user groups (empty when
 * there are none). A guest or an outsider is refused even inside an allowed group.
 */
export function operatorVerdict(
  member: SlackMember,
  ourTeamId: string,
  allowed: AllowedOperators,
  groupMembers: ReadonlySet<string>,
): OperatorVerdict {
  if (member.deleted) return { ok: false, reason: 'deactivated user' };
  if (member.guest) return { ok: false, reason: 'guest account' };
  if (member.stranger || (ourTeamId && member.teamId && member.teamId !== ourTeamId))
    return { ok: false, reason: 'user of another workspace' };
  const restricted = allowed.users.size > 0 || allowed.groups.length > 0;
  if (restricted && !allowed.users.has(member.id) && !groupMembers.has(member.id))
    return { ok: false, reason: 'not in SLACK_ALLOWED_OPERATORS' };
  return { ok: true };
}

export const NOT_ALLOWED_TEXT =
  'You are not allowed to act on Switchboard conversations from Slack. Ask an admin to add you to SLACK_ALLOWED_OPERATORS.';
