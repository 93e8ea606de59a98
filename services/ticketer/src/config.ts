// The ticketer's settings, read once from the environment by main.ts.
import { ConfigError, budgetsSetting, commonSpec, env, readConfig, type Env } from '@switchboard/core';

export const PRIORITY_NAMES = ['low', 'normal', 'high', 'urgent'] as const;
export type PriorityName = (typeof PRIORITY_NAMES)[number];

export const ticketerSpec = {
  ...commonSpec,
  port: env.int('TICKETER_PORT', 9103, { min: 0, max: 65535 }),
  groupId: env.string('TICKETER_GROUP_ID', 'switchboard-ticketer'),
  asanaToken: env.string('ASANA_TOKEN'),
  asanaBaseUrl: env.url('ASANA_BASE_URL', 'https://app.asana.com/api/1.0'),
  asanaProjectGid: env.string('ASANA_PROJECT_GID'),
  asanaWorkspaceGid: env.string('ASANA_WORKSPACE_GID', '1100000000000001'),
  asanaSectionGid: env.optionalString('ASANA_SECTION_GID'),
  /** external.gid is writable by OAuth apps only; with a personal token the notes marker is the way back. */
  asanaExternalIds: env.bool('ASANA_EXTERNAL_IDS', false),
  asanaRequestsPerMinute: env.int('ASANA_REQUESTS_PER_MINUTE', 1500, { min: 1 }),
  /** SWITCHBOARD_BUDGETS=off: no Asana budget at all (benchmarks; refused outside bench/development). */
  budgets: budgetsSetting,
  assigneeByPriority: env.optionalString('TICKETER_ASSIGNEE_BY_PRIORITY'),
  commentWindowMs: env.int('TICKETER_COMMENT_WINDOW_MS', 2000, { min: 0, max: 600000 }),
  consoleBaseUrl: env.url('CONSOLE_BASE_URL', 'http://localhost:8081/'),
};

/** `urgent=123,high=456` → { urgent: '123', high: '456' }; unknown priorities and non-gid values are refused. */
export function parseAssignees(text: string | undefined): Partial<Record<PriorityName, string>> {
  const result: Partial<Record<PriorityName, string>> = {};
  if (!text?.trim()) return result;
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [priority, gid, ...rest] = pair.split('=').map((s) => s.trim());
    if (
      !(PRIORITY_NAMES as readonly string[]).includes(priority) ||
      !gid ||
      rest.length > 0 ||
      !/^(\d+|me|[^@\s]+@[^@\s]+)$/.test(gid)
    ) {
      throw new ConfigError(
        'TICKETER_ASSIGNEE_BY_PRIORITY',
        `expected priority=userGid pairs (priorities: ${PRIORITY_NAMES.join(', ')}), got "${pair}"`,
      );
    }
    result[priority as PriorityName] = gid;
  }
  return result;
}

export function readTicketerConfig(source: Env) {
  const config = readConfig(ticketerSpec, source);
  return { ...config, assignees: parseAssignees(config.assigneeByPriority) };
}
export type TicketerConfig = ReturnType<typeof readTicketerConfig>;
