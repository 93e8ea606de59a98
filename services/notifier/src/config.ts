// The notifier's settings, read once from the environment by main.ts.
import { commonSpec, env, readConfig, type Env } from '@switchboard/core';

export const notifierSpec = {
  ...commonSpec,
  port: env.int('NOTIFIER_PORT', 9102, { min: 0, max: 65535 }),
  groupId: env.string('NOTIFIER_GROUP_ID', 'switchboard-notifier'),
  slackToken: env.string('SLACK_BOT_TOKEN'),
  slackApiUrl: env.url('SLACK_API_URL', 'https://slack.com/api/'),
  triageChannel: env.string('SLACK_TRIAGE_CHANNEL', '#triage'),
  threadMinimum: env.oneOf('NOTIFIER_THREAD_MIN_PRIORITY', ['low', 'normal', 'high', 'urgent'] as const, 'normal'),
  consoleBaseUrl: env.url('CONSOLE_BASE_URL', 'http://localhost:8081/'),
};

export const readNotifierConfig = (source: Env) => readConfig(notifierSpec, source);
export type NotifierConfig = ReturnType<typeof readNotifierConfig>;
