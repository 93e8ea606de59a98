// The notifier's own metrics, on the runtime's registry next to the shared ones (Slack calls by method and
// outcome, rate-limit waits and end-to-end latency are shared: packages/core/src/metrics.ts).
import { Counter, Gauge, type Metrics } from '@switchboard/core';
import type { SuppressReason } from './decide';

export type NotificationKind = 'root' | 'thread' | 'update' | 'digest';

export interface NotifierMetrics {
  readonly shared: Metrics;
  /** Slack messages posted or updated, by kind. */
  readonly notifications: Counter<'kind'>;
  /** Events that were deliberately not notified, by reason. */
  readonly suppressed: Counter<'reason'>;
  /** Conversations listed in a digest rather than given their own root. */
  readonly digestedConversations: Counter<string>;
  /** Conversations waiting for their channel's next digest, as last seen by this replica. */
  readonly digestPending: Gauge<'channel'>;
  /** Queued conversations (whose digest) or replies (whose grouped reply) Slack refused for good, by error. */
  readonly undelivered: Counter<'kind' | 'reason'>;
  /** Posts found already in Slack after a crash between posting and recording them (found) or not (not_found). */
  readonly recoveries: Counter<'outcome'>;
}

export function createNotifierMetrics(shared: Metrics): NotifierMetrics {
  const registers = [shared.registry];
  return zeroed({
    shared,
    notifications: new Counter({
      name: 'switchboard_notifier_notifications_total',
      help: 'Slack messages posted or updated, by kind (root, thread, update, digest, sla)',
      labelNames: ['kind'],
      registers,
    }),
    suppressed: new Counter({
      name: 'switchboard_notifier_suppressed_total',
      help: 'Events not notified, by reason (denied, spam_conversation, spam_user, spam_team, below_threshold, no_thread)',
      labelNames: ['reason'],
      registers,
    }),
    digestedConversations: new Counter({
      name: 'switchboard_notifier_digested_conversations_total',
      help: 'New conversations listed in a digest message instead of a root message of their own',
      registers,
    }),
    digestPending: new Gauge({
      name: 'switchboard_notifier_digest_pending_conversations',
      help: 'Conversations waiting for the next digest of their channel',
      labelNames: ['channel'],
      registers,
    }),
    undelivered: new Counter({
      name: 'switchboard_notifier_undelivered_total',
      help: 'Queued conversations (kind=conversation) or thread replies (kind=reply) that Slack refused for good, by error',
      labelNames: ['kind', 'reason'],
      registers,
    }),
    recoveries: new Counter({
      name: 'switchboard_notifier_post_recoveries_total',
      help: 'Unrecorded posts looked up in Slack after a crash: found (not posted again) or not_found (posted)',
      labelNames: ['outcome'],
      registers,
    }),
  });
}

/** The known label values, so each series exists (at 0) from start-up for the dashboards and alerts. */
const KNOWN = {
  kinds: ['root', 'thread', 'update', 'digest', 'sla'],
  suppressed: ['denied', 'spam_conversation', 'spam_user', 'spam_team', 'below_threshold', 'no_thread'],
  recoveries: ['found', 'not_found'],
} as const;

function zeroed(metrics: NotifierMetrics): NotifierMetrics {
  for (const kind of KNOWN.kinds) metrics.notifications.inc({ kind }, 0);
  for (const reason of KNOWN.suppressed) metrics.suppressed.inc({ reason }, 0);
  for (const outcome of KNOWN.recoveries) metrics.recoveries.inc({ outcome }, 0);
  return metrics;
}

export const suppress = (metrics: NotifierMetrics, reason: SuppressReason) => metrics.suppressed.inc({ reason });
