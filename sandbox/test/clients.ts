// The real Slack and Asana clients, pointed at a running sandbox, as the tests use them.
import { LogLevel, WebClient, type Logger } from '@slack/web-api';
import type { RunningSandbox } from '../src';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Asana: any = require('asana');

// The WebClient logs Slack's error details itself; the tests check them instead.
const quiet: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

/**
 * A WebClient on the sandbox. By default it retries for about 30 minutes and pauses its queue on a 429;
 * here it does not retry, and rejects rate-limited calls so that the 429s themselves can be observed.
 */
export function slackClient(sandbox: RunningSandbox, token?: string): WebClient {
  return new WebClient(token, {
    slackApiUrl: sandbox.slackApiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: quiet,
  });
}

/**
 * The asana v3 client on the sandbox, with an ApiClient of its own rather than the shared
 * `Asana.ApiClient.instance`, so clients with different tokens can live side by side.
 */
export function asanaClient(sandbox: RunningSandbox, token?: string) {
  const apiClient = new Asana.ApiClient();
  apiClient.basePath = sandbox.asanaBaseUrl;
  if (token) apiClient.authentications.token.accessToken = token;
  return {
    tasks: new Asana.TasksApi(apiClient),
    stories: new Asana.StoriesApi(apiClient),
    tags: new Asana.TagsApi(apiClient),
    webhooks: new Asana.WebhooksApi(apiClient),
    users: new Asana.UsersApi(apiClient),
    projects: new Asana.ProjectsApi(apiClient),
    sections: new Asana.SectionsApi(apiClient),
    workspaces: new Asana.WorkspacesApi(apiClient),
  };
}

export type AsanaClient = ReturnType<typeof asanaClient>;
