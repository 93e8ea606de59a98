// Asana's webhooks, sandbox side: the X-Hook-Secret handshake made while POST /webhooks is in flight, and
// delivery of events to targets, signed X-Hook-Signature = hex(HMAC-SHA256(secret, body)), in order per
// webhook, batched, and retried with pauses when the target fails (410 Gone removes the webhook).
import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AsanaSettings } from '../settings';
import type { AsanaTask, AsanaWebhook, SandboxState, WebhookFilter } from '../state';

interface ResourceRef {
  gid: string;
  resource_type: string;
  resource_subtype?: string;
}

export interface AsanaEvent {
  action: 'added' | 'changed' | 'removed' | 'deleted' | 'undeleted';
  resource: ResourceRef;
  parent: ResourceRef | null;
  change?: { field: string; action: string; added_value?: ResourceRef; removed_value?: ResourceRef };
  user: { gid: string; resource_type: 'user' };
  created_at: string;
}

export function matchesFilters(filters: WebhookFilter[], event: AsanaEvent): boolean {
  if (filters.length === 0) return true;
  return filters.some(
    (f) =>
      f.resource_type === event.resource.resource_type &&
      (!f.resource_subtype || f.resource_subtype === event.resource.resource_subtype) &&
      (!f.action || f.action === event.action) &&
      (!f.fields || f.fields.length === 0 || (event.change !== undefined && f.fields.includes(event.change.field))),
  );
}

export const signature = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

/** fetch's own message ("fetch failed") with the reason under it (ECONNREFUSED, a timeout, ...). */
function reason(error: unknown): string {
  const { message, cause } = error as Error & { cause?: { message?: string } };
  return cause?.message ? `${message}: ${cause.message}` : message;
}

const MAX_BATCH = 50;

export class WebhookDispatcher {
  private queues = new Map<string, AsanaEvent[]>();
  private draining = new Set<string>();
  private stopper = new AbortController();

  constructor(
    private readonly state: SandboxState,
    private readonly settings: AsanaSettings,
  ) {}

  /**
   * Asana's handshake: POST the target with a fresh X-Hook-Secret and expect it echoed with 200 or 204.
   * Resolves to the secret, or to the reason the target did not confirm.
   */
  async handshake(target: string): Promise<{ secret: string } | { failure: string }> {
    const secret = randomBytes(32).toString('hex');
    const counters = this.state.counters.webhooks;
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'x-hook-secret': secret },
        signal: AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.settings.handshakeTimeoutMs)]),
      });
      await response.arrayBuffer();
      if (response.status !== 200 && response.status !== 204) throw new Error(`the target answered ${response.status}`);
      if (response.headers.get('x-hook-secret') !== secret) throw new Error('the target did not echo X-Hook-Secret');
      counters.inc('handshakes');
      return { secret };
    } catch (error) {
      counters.inc('handshake_failures');
      return { failure: reason(error) };
    }
  }

  /** Queues the event for every webhook watching the task (directly, through a project, or its workspace). */
  publishForTask(task: AsanaTask, event: AsanaEvent, extraResourceGids: string[] = []): void {
    const watched = new Set([
      task.gid,
      task.workspaceGid,
      ...task.memberships.map((m) => m.projectGid),
      ...extraResourceGids,
    ]);
    for (const webhook of this.state.asana.webhooks.values()) {
      if (webhook.active && watched.has(webhook.resourceGid) && matchesFilters(webhook.filters, event))
        this.enqueue(webhook.gid, event);
    }
  }

  /** Stops every delivery in flight or waiting (on reset and on close). */
  stop(): void {
    this.stopper.abort();
    this.stopper = new AbortController();
    this.queues = new Map();
    this.draining = new Set();
  }

  private enqueue(webhookGid: string, event: AsanaEvent): void {
    let queue = this.queues.get(webhookGid);
    if (!queue) this.queues.set(webhookGid, (queue = []));
    queue.push(event);
    if (!this.draining.has(webhookGid)) {
      this.draining.add(webhookGid);
      // Events made in the same turn (a PUT that completes and renames) travel in one batch, as in Asana.
      setImmediate(() => void this.drain(webhookGid, queue, this.draining, this.stopper.signal));
    }
  }

  private async drain(
    webhookGid: string,
    queue: AsanaEvent[],
    draining: Set<string>,
    stop: AbortSignal,
  ): Promise<void> {
    try {
      while (queue.length > 0 && !stop.aborted) {
        const webhook = this.state.asana.webhooks.get(webhookGid);
        if (!webhook) return;
        await this.deliver(webhook, queue.splice(0, MAX_BATCH), stop);
      }
    } finally {
      draining.delete(webhookGid);
    }
  }

  private async deliver(webhook: AsanaWebhook, events: AsanaEvent[], stop: AbortSignal): Promise<void> {
    const body = JSON.stringify({ events });
    const counters = this.state.counters.webhooks;
    const pauses = [0, ...this.settings.webhookRetryDelaysMs];
    for (const [attempt, pause] of pauses.entries()) {
      try {
        if (pause > 0) await sleep(pause, undefined, { signal: stop });
        if (attempt > 0) counters.inc('retries');
        const response = await fetch(webhook.target, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hook-signature': signature(webhook.secret, body) },
          body,
          signal: AbortSignal.any([stop, AbortSignal.timeout(10000)]),
        });
        const text = await response.text();
        if (response.status === 410) {
          // The target says it is gone for good: Asana deletes the webhook.
          this.state.asana.webhooks.delete(webhook.gid);
          counters.inc('removed_by_410');
          return;
        }
        if (response.ok) {
          webhook.lastSuccessAt = new Date().toISOString();
          webhook.delivered += events.length;
          counters.inc('deliveries');
          counters.inc('events_delivered', events.length);
          return;
        }
        this.failed(webhook, `${response.status} ${text.slice(0, 200)}`);
      } catch (error) {
        if (stop.aborted) return;
        this.failed(webhook, reason(error));
      }
    }
    counters.inc('batches_dropped');
    counters.inc('events_dropped', events.length);
  }

  private failed(webhook: AsanaWebhook, content: string): void {
    webhook.lastFailureAt = new Date().toISOString();
    webhook.lastFailureContent = content;
    webhook.failed++;
    this.state.counters.webhooks.inc('delivery_failures');
  }
}
