// The status service's settings, read once from the environment by main.ts.
import { commonSpec, env, readConfig, type Env } from '@switchboard/core';

export const statusSpec = {
  ...commonSpec,
  port: env.int('STATUS_PORT', 8081, { min: 0, max: 65535 }),
  groupId: env.string('STATUS_GROUP_ID', 'switchboard-status'),
  transcriptMaxEntries: env.int('TRANSCRIPT_MAX_ENTRIES', 1000, { min: 10 }),
  transcriptRetentionDays: env.int('TRANSCRIPT_RETENTION_DAYS', 30, { min: 1 }),
};

export const readStatusConfig = (source: Env) => readConfig(statusSpec, source);
export type StatusConfig = ReturnType<typeof readStatusConfig>;
