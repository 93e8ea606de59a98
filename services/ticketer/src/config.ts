// The ticketer's settings, read once from the environment by main.ts.
import { commonSpec, env, readConfig, type Env } from '@switchboard/core';

export const ticketerSpec = {
  ...commonSpec,
  port: env.int('TICKETER_PORT', 9103, { min: 0, max: 65535 }),
  groupId: env.string('TICKETER_GROUP_ID', 'switchboard-ticketer'),
  asanaToken: env.string('ASANA_TOKEN'),
  asanaBaseUrl: env.url('ASANA_BASE_URL', 'https://app.asana.com/api/1.0'),
  asanaProjectGid: env.string('ASANA_PROJECT_GID'),
  consoleBaseUrl: env.url('CONSOLE_BASE_URL', 'http://localhost:8081/'),
};

export const readTicketerConfig = (source: Env) => readConfig(ticketerSpec, source);
export type TicketerConfig = ReturnType<typeof readTicketerConfig>;
