// @switchboard/sandbox: local stand-ins for the Slack Web API and the Asana API, for tests and `npm run stack`.
export { createSandbox, startSandbox, type RunningSandbox, type Sandbox, type StartOptions } from './server';
export {
  DEFAULT_PROJECT_GID,
  DEFAULT_WORKSPACE_GID,
  type AsanaOptions,
  type SandboxOptions,
  type SlackOptions,
} from './settings';
export { SLACK_METHOD_TIERS, SLACK_TIER_PER_MINUTE, VENDOR_LIMITS } from './vendor-limits';
export { FaultInjector, type FaultSpec, type FaultStatus } from './faults';
export { SandboxState } from './state';
export { signature as asanaWebhookSignature, type AsanaEvent } from './asana/webhooks';
export {
  SANDBOX_EXTERNAL,
  SANDBOX_GUEST,
  SANDBOX_OPERATOR_ID,
  SANDBOX_OPERATORS,
  SANDBOX_USERGROUPS,
  SANDBOX_TEAM_ID,
  type SlackPerson,
} from './slack/workspace';
export { slackSignature } from './slack/payloads';
export { SLACK_PREFIX } from './slack/api';
export { ASANA_PREFIX } from './asana/api';
