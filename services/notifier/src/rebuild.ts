// After Redis lost everything (a restart without persistence, a failover, FLUSHALL) every conversation would
// look new and get a second root. A mark per channel, kept without expiry, says this Redis still holds the
// channel's records; without it, the channel's recent roots are read back from Slack (their metadata names the
// conversation) before a conversation that looks new is placed there. Bounded by REBUILD_WINDOW_MS and the pages.
import type { Logger } from '@switchboard/core';
import { METADATA } from './post-markers';
import type { SlackPort } from './slack';
import type { ConversationStore } from './state';

/** How far back a channel's roots are read after a Redis loss (at most the look-up's 10 pages of 200). */
export const REBUILD_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

export interface RebuildParts {
  slack: SlackPort;
  store: ConversationStore;
}

/** Rebuilds under way in this process, by store and channel (see ensureChannelRebuilt). */
const underWay = new WeakMap<ConversationStore, Map<string, Promise<number>>>();

/**
 * Reads the channel's roots back into Redis when this Redis has lost them; returns how many conversations got
 * their record back. A channel Slack does not show yet holds none of ours, and stays unmarked until it does.
 * The conversations a replica handles at once (lanes) share one look-up per channel, so a burst of new
 * conversations makes one conversations.list (Tier 2) and history read, not one each.
 */
export function ensureChannelRebuilt(
  parts: RebuildParts,
  channel: string,
  log: Logger,
  nowMs = Date.now(),
): Promise<number> {
  let byChannel = underWay.get(parts.store);
  if (!byChannel) underWay.set(parts.store, (byChannel = new Map()));
  const running = byChannel.get(channel);
  if (running) return running;
  const started = rebuild(parts, channel, log, nowMs).finally(() => byChannel.delete(channel));
  byChannel.set(channel, started);
  return started;
}

async function rebuild(parts: RebuildParts, channel: string, log: Logger, nowMs: number): Promise<number> {
  const { slack, store } = parts;
  if (await store.channelRebuilt(channel)) return 0;
  const roots = await slack.listByMetadata({
    channel: await store.channelId(channel),
    eventTypes: [METADATA.conversation],
    oldestMs: nowMs - REBUILD_WINDOW_MS,
  });
  if (!roots) return 0;
  let restored = 0;
  for (const root of roots) {
    const { conversation_id: conversationId, event_id: eventId } = root.payload;
    if (typeof conversationId !== 'string' || !conversationId) continue;
    if (await store.restoreRoot(conversationId, channel, root, typeof eventId === 'string' ? eventId : ''))
      restored += 1;
  }
  await store.markChannelRebuilt(channel, nowMs);
  if (restored > 0)
    log.warn({ channel, restored }, "Redis held none of the channel's records: read its roots back from Slack");
  return restored;
}
