// The deadline clocks wired into the status service: the policy (loaded, watched), the consumers that start
// and stop clocks, the escalation webhook's consumer, the metrics, and the sweep (started after the runtime).
// Without SLA_POLICY_FILE only the metrics are served (the unreviewed gauges do not depend on a policy).
import { routeChannel, type Route, type RouteSubject } from '@switchboard/agreements';
import { ConfigError, type Logger } from '@switchboard/core';
import { Topics } from '@switchboard/bus';
import type { Runtime } from '@switchboard/runtime';
import { DoneMarks } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';
import { ClockStore, slaKeys } from './clock-store';
import { PolicySource } from './policy-source';
import { createSlaMetrics } from './sla-metrics';
import { slaClassifiedRecorder, slaOutboundRecorder, slaStatusRecorder } from './sla-recorder';
import { startSlaSweep } from './sla-sweep';
import { slaWebhookHandler } from './sla-webhook';

export interface SlaSettings {
  policyFile?: string;
  groupId: string;
  claimLeaseSeconds: number;
  retentionSeconds: number;
  webhookSecret?: string;
  webhookMaxAttempts: number;
  webhookTimeoutMs: number;
  consoleBaseUrl: string;
  /** NOTIFIER_ROUTES and SLACK_TRIAGE_CHANNEL, for policies that match on `route`. */
  routes: Route[];
  triageChannel: string;
}

/** Wires the clocks; returns the store (for the console's queue) and what starts the sweep. */
export function wireSla(
  runtime: Runtime,
  keys: StatusKeys,
  settings: SlaSettings,
): { clocks: ClockStore; startSweep: () => void } {
  const { redis, logger, metrics, publisher } = runtime;
  const source = new PolicySource(settings.policyFile, logger as Logger);
  const loaded = source.load();
  const webhooks = loaded.policies.some((p) => p.escalate.some((l) => l.webhook));
  if (webhooks && !settings.webhookSecret)
    throw new ConfigError(
      'SLA_WEBHOOK_SECRET',
      'is required when the SLA policy has a webhook level (or set BOT_WEBHOOK_SECRET)',
    );
  const clocks = new ClockStore(redis, slaKeys(keys), settings.claimLeaseSeconds * 1000, settings.retentionSeconds);
  const levels = Math.max(0, ...loaded.policies.map((p) => p.escalate.length));
  const slaMetrics = createSlaMetrics({ metrics, redis, keys, logger }, levels);
  if (!settings.policyFile) return { clocks, startSweep: () => undefined };

  runtime.onClose('sla-policy-reload', source.watch());
  const deps = {
    clocks,
    publisher,
    policies: () => source.current(),
    routeOf: (subject: RouteSubject) => routeChannel(settings.routes, settings.triageChannel, subject),
  };
  runtime.consume({
    groupId: `${settings.groupId}-sla`,
    topic: Topics.classified,
    handler: slaClassifiedRecorder(deps),
  });
  runtime.consume({
    groupId: `${settings.groupId}-sla-status`,
    topic: Topics.status,
    handler: slaStatusRecorder(deps),
  });
  runtime.consume({
    groupId: `${settings.groupId}-sla-outbound`,
    topic: Topics.outbound,
    handler: slaOutboundRecorder(deps),
  });
  // Always consumed with a policy: a webhook level added by a reload without a secret goes to the DLQ, not nowhere.
  runtime.consume({
    groupId: `${settings.groupId}-sla-webhook`,
    topic: Topics.status,
    affectsReadiness: false,
    handler: slaWebhookHandler({
      secret: settings.webhookSecret,
      maxAttempts: settings.webhookMaxAttempts,
      timeoutMs: settings.webhookTimeoutMs,
      done: new DoneMarks(redis, keys, 'status-sla-webhook'),
      redis,
      attemptsKey: (eventId) => keys.key('status', 'sla-webhook-attempts', eventId),
      metrics,
      consoleBaseUrl: settings.consoleBaseUrl,
    }),
  });
  return {
    clocks,
    startSweep: () =>
      runtime.onClose('sla-sweep', startSlaSweep({ clocks, publisher, logger, breached: slaMetrics.breached })),
  };
}
