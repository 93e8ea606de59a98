// The vendors' published rate limits, as the sandbox enforces them when told to (SANDBOX_VENDOR_LIMITS=1 or
// `vendorLimits: true`): Slack's method tiers and per-channel posting pace, Asana's per-token budget and search.
import type { SandboxOptions } from './settings';

/**
 * Slack's tier of each method the sandbox answers, from Slack's method reference ("Rate limits" on each
 * method's page, api.slack.com/docs/rate-limits). 'special' methods have limits of their own: chat.postMessage
 * is paced per channel (below); auth.test and chat.getPermalink are not limited by a tier.
 */
export const SLACK_METHOD_TIERS: Record<string, 2 | 3 | 4 | 'special'> = {
  'auth.test': 'special',
  'chat.postMessage': 'special',
  'chat.getPermalink': 'special',
  'chat.update': 3,
  'chat.postEphemeral': 4,
  'conversations.history': 3,
  'conversations.replies': 3,
  'conversations.list': 2,
  'users.info': 4,
  'usergroups.users.list': 2,
};

/** Requests per minute per method per app and workspace ("Tier 2: 20+ per minute" …); the floor of each range. */
export const SLACK_TIER_PER_MINUTE = { 2: 20, 3: 50, 4: 100 } as const;

/** Slack tolerates "occasional bursts": a tenth of the minute's requests may come at once. */
export const tierBurst = (perMinute: number) => Math.max(1, Math.floor(perMinute / 10));

/**
 * The settings that make the stand-ins as strict as the vendors: chat.postMessage about one per second per
 * channel with short bursts (3 here), Slack's method tiers, Asana's 1,500 requests a minute per token (paid
 * plans) and 60 searches a minute.
 */
export const VENDOR_LIMITS = {
  slack: { postMessagePerSecond: 1, burst: 3, tierLimits: true },
  asana: { requestsPerMinute: 1500, searchPerMinute: 60 },
} as const satisfies SandboxOptions;

/** No limits at all: what `vendorLimits: false` sets. */
const NO_LIMITS = {
  slack: { postMessagePerSecond: null, tierLimits: false },
  asana: { requestsPerMinute: null, searchPerMinute: null },
} as const satisfies SandboxOptions;

/**
 * The options with every limit set where `vendorLimits` is given (true: the vendors' limits, false: none),
 * except those the options themselves set.
 */
export function withVendorLimits(options: SandboxOptions): SandboxOptions {
  const { vendorLimits, ...rest } = options;
  if (vendorLimits === undefined) return rest;
  const base = vendorLimits ? VENDOR_LIMITS : NO_LIMITS;
  return {
    ...rest,
    slack: { ...base.slack, ...stripUndefined(rest.slack ?? {}) },
    asana: { ...base.asana, ...stripUndefined(rest.asana ?? {}) },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
