// Runs the sandbox alone (npm run stack, docker compose): reads its environment, starts, stops on SIGTERM/SIGINT.
import { startSandbox } from './server';

function numberFrom(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  // SANDBOX_VENDOR_LIMITS=1: Slack's and Asana's own limits, unless a variable below sets one otherwise.
  const vendorLimits = /^(1|true|yes|on)$/i.test(process.env.SANDBOX_VENDOR_LIMITS ?? '');
  const unlimited = vendorLimits ? undefined : null;
  const sandbox = await startSandbox({
    port: numberFrom('SANDBOX_PORT') ?? 8090,
    host: process.env.SANDBOX_HOST || '127.0.0.1',
    vendorLimits,
    slack: {
      postMessagePerSecond: numberFrom('SANDBOX_SLACK_POST_PER_SECOND') ?? unlimited,
      interactivityUrl: process.env.SANDBOX_SLACK_INTERACTIVITY_URL || null,
      eventsUrl: process.env.SANDBOX_SLACK_EVENTS_URL || null,
      signingSecret: process.env.SLACK_SIGNING_SECRET || null,
    },
    asana: {
      requestsPerMinute: numberFrom('SANDBOX_ASANA_REQUESTS_PER_MINUTE') ?? unlimited,
      projectGid: process.env.ASANA_PROJECT_GID || undefined,
      workspaceGid: process.env.ASANA_WORKSPACE_GID || undefined,
    },
  });
  console.log(
    `sandbox listening on ${sandbox.url} (Slack ${sandbox.slackApiUrl}, Asana ${sandbox.asanaBaseUrl}, page ${sandbox.url}/)`,
  );
  const { interactivityUrl, eventsUrl, signingSecretSet } = sandbox.settings.slack.view();
  // The secret itself is never printed: only whether there is one.
  console.log(
    `operator clicks → ${interactivityUrl ?? '(SANDBOX_SLACK_INTERACTIVITY_URL not set)'}, thread replies → ${eventsUrl ?? '(SANDBOX_SLACK_EVENTS_URL not set)'}, signing secret ${signingSecretSet ? 'set' : 'not set (SLACK_SIGNING_SECRET)'}`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`sandbox stopping (${signal})`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('sandbox did not stop cleanly', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('sandbox failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
