// How the stand-ins behave: rate limits, tokens treated as invalid, channels and users that "do not exist",
// and where Slack's side sends what an operator does (interactivity and Events API URLs, signing secret).
// Set at start from options and changed at run time through POST /_sandbox/config.
import { KeyedLimiter } from './limiter';
import { SLACK_METHOD_TIERS, SLACK_TIER_PER_MINUTE, tierBurst, withVendorLimits } from './vendor-limits';

export interface SlackOptions {
  /** chat.postMessage budget per channel; null or absent means unlimited (the stack's default). */
  postMessagePerSecond?: number | null;
  /** How many posts a channel may burst before the per-second rate applies (default: max(1, rate)). */
  burst?: number;
  /** Slack's method tiers per method and token (Tier 2: 20, Tier 3: 50, Tier 4: 100 a minute); default off. */
  tierLimits?: boolean;
  /** Tokens answered with invalid_auth. */
  invalidTokens?: string[];
  /** Channels (names with or without '#', or ids) answered with channel_not_found. */
  missingChannels?: string[];
  /** User ids answered with user_not_found by users.info. */
  missingUsers?: string[];
  /** Where button clicks go as signed block_actions payloads (the app's Interactivity Request URL); null unsets. */
  interactivityUrl?: string | null;
  /** Where thread replies go as signed event_callback envelopes (the app's Events API Request URL); null unsets. */
  eventsUrl?: string | null;
  /** The app's signing secret, for X-Slack-Signature; null unsets. Never shown back, only whether it is set. */
  signingSecret?: string | null;
  /** Pauses before each redelivery of an event the target did not take (default 200 ms, 1 s, 3 s). */
  eventRetryDelaysMs?: number[];
  /** How long Slack waits for the target to answer a click or an event (default 3 s, as Slack). */
  deliveryTimeoutMs?: number;
  /**
   * A slow Slack: chat.postMessage is taken up (counted, stored, visible in history) only this long after it
   * arrives, and answered then (default 0).
   */
  postMessageLatencyMs?: number;
}

export interface AsanaOptions {
  /** Requests per minute per token; null or absent means unlimited. */
  requestsPerMinute?: number | null;
  /** Workspace searches per minute per token (Asana allows 60), on top of the requests; null: unlimited. */
  searchPerMinute?: number | null;
  /** The project that exists from the start (default 1200000000000001). */
  projectGid?: string;
  /** The workspace that exists from the start (default 1100000000000001). */
  workspaceGid?: string;
  /** Tokens answered with 401. */
  invalidTokens?: string[];
  /** Pauses before each redelivery of a webhook batch that failed (default 250 ms, 1 s, 4 s). */
  webhookRetryDelaysMs?: number[];
  /** How long the webhook handshake may take (default 5 s). */
  handshakeTimeoutMs?: number;
  /** false: the workspace is on a free plan and the search answers 402 Payment Required, as Asana's does. */
  searchAvailable?: boolean;
  /** The search index lags: a task appears in search results only this many seconds after it was created. */
  searchLagSeconds?: number;
  /** POST /tasks makes the task, then holds the answer this long (0: at once): a create that times out. */
  createAnswerDelayMs?: number;
}

export interface SandboxOptions {
  slack?: SlackOptions;
  asana?: AsanaOptions;
  /** The vendors' own limits (vendor-limits.ts) wherever an option above does not say otherwise. */
  vendorLimits?: boolean;
}

export const DEFAULT_PROJECT_GID = '1200000000000001';
export const DEFAULT_WORKSPACE_GID = '1100000000000001';

export class SlackSettings {
  postMessagePerSecond: number | null = null;
  burst: number | null = null;
  tierLimits = false;
  invalidTokens = new Set<string>();
  missingChannels = new Set<string>();
  missingUsers = new Set<string>();
  interactivityUrl: string | null = null;
  eventsUrl: string | null = null;
  signingSecret: string | null = null;
  // Slack itself redelivers at once, after 1 minute and after 5 minutes; the sandbox is quicker.
  eventRetryDelaysMs: number[] = [200, 1000, 3000];
  deliveryTimeoutMs = 3000;
  postMessageLatencyMs = 0;
  postLimiter: KeyedLimiter | null = null;
  /** One limiter per tiered method, keyed by token (Slack counts per method per app and workspace). */
  tierLimiters: Map<string, KeyedLimiter> | null = null;

  apply(patch: SlackOptions): void {
    if (patch.postMessagePerSecond !== undefined)
      this.postMessagePerSecond = positiveOrNull(patch.postMessagePerSecond);
    if (patch.burst !== undefined) this.burst = positiveOrNull(patch.burst);
    if (patch.tierLimits !== undefined) this.tierLimits = patch.tierLimits;
    if (patch.invalidTokens) this.invalidTokens = new Set(patch.invalidTokens);
    if (patch.missingChannels) this.missingChannels = new Set(patch.missingChannels);
    if (patch.missingUsers) this.missingUsers = new Set(patch.missingUsers);
    if (patch.interactivityUrl !== undefined) this.interactivityUrl = patch.interactivityUrl || null;
    if (patch.eventsUrl !== undefined) this.eventsUrl = patch.eventsUrl || null;
    if (patch.signingSecret !== undefined) this.signingSecret = patch.signingSecret || null;
    if (patch.eventRetryDelaysMs)
      this.eventRetryDelaysMs = patch.eventRetryDelaysMs.filter((ms) => ms >= 0).slice(0, 3);
    if (patch.deliveryTimeoutMs !== undefined && patch.deliveryTimeoutMs > 0)
      this.deliveryTimeoutMs = patch.deliveryTimeoutMs;
    if (patch.postMessageLatencyMs !== undefined && patch.postMessageLatencyMs >= 0)
      this.postMessageLatencyMs = patch.postMessageLatencyMs;
    this.resetLimits();
  }

  resetLimits(): void {
    const rate = this.postMessagePerSecond;
    this.postLimiter = rate ? new KeyedLimiter(rate, this.burst ?? Math.max(1, rate)) : null;
    this.tierLimiters = this.tierLimits ? tierLimiters() : null;
  }

  /** 0 when the method's tier allows this call now, else the seconds to wait (Retry-After). */
  takeTier(method: string, token: string, now = Date.now()): number {
    return this.tierLimiters?.get(method)?.take(token, now) ?? 0;
  }

  view() {
    return {
      postMessagePerSecond: this.postMessagePerSecond,
      burst: this.postLimiter?.burst ?? this.burst,
      tierLimits: this.tierLimits,
      invalidTokens: [...this.invalidTokens],
      missingChannels: [...this.missingChannels],
      missingUsers: [...this.missingUsers],
      interactivityUrl: this.interactivityUrl,
      eventsUrl: this.eventsUrl,
      signingSecretSet: this.signingSecret !== null,
      eventRetryDelaysMs: this.eventRetryDelaysMs,
      deliveryTimeoutMs: this.deliveryTimeoutMs,
      postMessageLatencyMs: this.postMessageLatencyMs,
    };
  }
}

export class AsanaSettings {
  requestsPerMinute: number | null = null;
  searchPerMinute: number | null = null;
  invalidTokens = new Set<string>();
  webhookRetryDelaysMs: number[] = [250, 1000, 4000];
  handshakeTimeoutMs = 5000;
  searchAvailable = true;
  searchLagSeconds = 0;
  createAnswerDelayMs = 0;
  limiter: KeyedLimiter | null = null;
  searchLimiter: KeyedLimiter | null = null;

  constructor(
    readonly projectGid: string,
    readonly workspaceGid: string,
  ) {}

  apply(patch: AsanaOptions): void {
    if (patch.requestsPerMinute !== undefined) this.requestsPerMinute = positiveOrNull(patch.requestsPerMinute);
    if (patch.searchPerMinute !== undefined) this.searchPerMinute = positiveOrNull(patch.searchPerMinute);
    if (patch.invalidTokens) this.invalidTokens = new Set(patch.invalidTokens);
    if (patch.webhookRetryDelaysMs) this.webhookRetryDelaysMs = patch.webhookRetryDelaysMs.filter((ms) => ms >= 0);
    if (patch.handshakeTimeoutMs !== undefined && patch.handshakeTimeoutMs > 0)
      this.handshakeTimeoutMs = patch.handshakeTimeoutMs;
    if (patch.searchAvailable !== undefined) this.searchAvailable = patch.searchAvailable;
    if (patch.searchLagSeconds !== undefined && patch.searchLagSeconds >= 0)
      this.searchLagSeconds = patch.searchLagSeconds;
    if (patch.createAnswerDelayMs !== undefined && patch.createAnswerDelayMs >= 0)
      this.createAnswerDelayMs = patch.createAnswerDelayMs;
    this.resetLimits();
  }

  resetLimits(): void {
    const rpm = this.requestsPerMinute;
    // The whole minute's budget may be spent at once, then it refills evenly, like Asana's sliding window.
    this.limiter = rpm ? new KeyedLimiter(rpm / 60, rpm) : null;
    const spm = this.searchPerMinute;
    this.searchLimiter = spm ? new KeyedLimiter(spm / 60, spm) : null;
  }

  view() {
    return {
      requestsPerMinute: this.requestsPerMinute,
      searchPerMinute: this.searchPerMinute,
      projectGid: this.projectGid,
      workspaceGid: this.workspaceGid,
      invalidTokens: [...this.invalidTokens],
      webhookRetryDelaysMs: this.webhookRetryDelaysMs,
      handshakeTimeoutMs: this.handshakeTimeoutMs,
      searchAvailable: this.searchAvailable,
      searchLagSeconds: this.searchLagSeconds,
      createAnswerDelayMs: this.createAnswerDelayMs,
    };
  }
}

export class SandboxSettings {
  readonly slack = new SlackSettings();
  readonly asana: AsanaSettings;

  constructor(options: SandboxOptions = {}) {
    this.asana = new AsanaSettings(
      options.asana?.projectGid ?? DEFAULT_PROJECT_GID,
      options.asana?.workspaceGid ?? DEFAULT_WORKSPACE_GID,
    );
    this.apply(options);
  }

  /**
   * Changes what is given and leaves the rest; project and workspace gids are fixed at start. With
   * `vendorLimits`, the vendors' limits are set first and the options given beside it override them.
   */
  apply(patch: SandboxOptions): void {
    const { slack, asana } = withVendorLimits(patch);
    this.slack.apply(slack ?? {});
    this.asana.apply(asana ?? {});
  }

  resetLimits(): void {
    this.slack.resetLimits();
    this.asana.resetLimits();
  }

  view() {
    return { slack: this.slack.view(), asana: this.asana.view() };
  }
}

function tierLimiters(): Map<string, KeyedLimiter> {
  const limiters = new Map<string, KeyedLimiter>();
  for (const [method, tier] of Object.entries(SLACK_METHOD_TIERS)) {
    if (tier === 'special') continue;
    const perMinute = SLACK_TIER_PER_MINUTE[tier];
    limiters.set(method, new KeyedLimiter(perMinute / 60, tierBurst(perMinute)));
  }
  return limiters;
}

function positiveOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) && value > 0 ? value : null;
}
