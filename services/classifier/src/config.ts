// The classifier's settings, read once from the environment by main.ts.
import { commonSpec, env, readConfig, type Env } from '@switchboard/core';

export const classifierSpec = {
  ...commonSpec,
  port: env.int('CLASSIFIER_PORT', 9101, { min: 0, max: 65535 }),
  groupId: env.string('CLASSIFIER_GROUP_ID', 'switchboard-classifier'),
  rulesFile: env.optionalString('CLASSIFIER_RULES_FILE'),
  rulesPollSeconds: env.int('CLASSIFIER_RULES_POLL_SECONDS', 2, { min: 1 }),
  resumeAfterMinutes: env.int('CLASSIFIER_RESUME_AFTER_MINUTES', 24 * 60, { min: 1 }),
};

export const readClassifierConfig = (source: Env) => readConfig(classifierSpec, source);
export type ClassifierConfig = ReturnType<typeof readClassifierConfig>;
