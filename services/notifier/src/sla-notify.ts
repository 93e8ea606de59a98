// conv.status → Slack for the deadline clocks: SLA_DEADLINE keeps the conversation's wait on its root (or
// digest line); SLA_BREACHED posts the reminder in its thread (broadcast when the level says so), a level's
// `channel` gets a post linking the thread, and the root shows the wait. Each post exactly once, as every
// notifier post: a done-mark per post, an intent marker before it and Slack metadata on it, so a crash
// between posting and recording is found by a look-up instead of posting again.
import { StatusChange, timestampMs, type StatusEvent, type StatusEventSchema } from '@switchboard/proto';
import { UnavailableError, type Delivery } from '@switchboard/bus';
import { botOfId, type Logger } from '@switchboard/core';
import type { DoneMarks, HeldLock, Locks } from '@switchboard/store';
import { LOOKBACK_MS, withConversationLock } from './post-markers';
import { refreshMessage, type RefreshParts } from './refresh';
import { renderBreach, renderEscalation, withBreach, withDeadline } from './sla-view';
import { surelyNotPosted, type MetadataQuery, type PostMetadata, type SlackPort } from './slack';
import type { ConversationState } from './state';

/** The metadata type of the notifier's SLA posts (how they are found again after a crash). */
export const SLA_METADATA = 'switchboard_sla';

/** A breach whose conversation was never placed in Slack this long after it (silenced, or lost) is given up. */
const GIVE_UP_UNPLACED_MS = 60 * 60 * 1000;

export interface SlaNotifyParts extends RefreshParts {
  locks: Locks;
  /** Done-marks of SLA events and of each of their posts. */
  done: DoneMarks;
}

/** One post of an SLA event, exactly once: `key` names it among the event's posts. */
async function postOnce(
  parts: SlaNotifyParts,
  held: HeldLock,
  post: {
    key: string;
    channel: string;
    lookup: Omit<MetadataQuery, 'eventTypes' | 'matches'>;
    message: { channel: string; text: string; blocks: object[]; threadTs?: string; replyBroadcast?: boolean };
  },
  log: Logger,
): Promise<void> {
  const { slack, store, pacing, done } = parts;
  if (await done.isDone(post.key)) return;
  if (await store.hasIntent(post.key)) {
    const found = await slack.findByMetadata({
      ...post.lookup,
      eventTypes: [SLA_METADATA],
      matches: (p) => p.post_key === post.key,
    });
    parts.metrics.recoveries.inc({ outcome: found ? 'found' : 'not_found' });
    if (found) {
      log.warn({ ts: found.ts, post: post.key }, 'SLA post was made before a crash; not posting it again');
      await done.markDone(post.key);
      await store.clearIntent(post.key);
      return;
    }
  }
  await pacing.waitForPost(post.channel);
  await store.setIntent(post.key);
  const metadata: PostMetadata = { event_type: SLA_METADATA, event_payload: { post_key: post.key } };
  try {
    await pacing.post(post.channel, () => {
      held.assertHeld();
      return slack.postMessage({ ...post.message, metadata });
    });
  } catch (err) {
    if (surelyNotPosted(err)) await store.clearIntent(post.key);
    throw err;
  }
  await done.markDone(post.key);
  await store.clearIntent(post.key);
  parts.metrics.notifications.inc({ kind: 'sla' });
}

async function permalinkOf(slack: SlackPort, state: ConversationState): Promise<string> {
  if (state.place === 'root' && state.permalink) return state.permalink;
  return slack.permalink(state.channelId!, state.ts!);
}

async function notifyBreach(
  parts: SlaNotifyParts,
  event: StatusEvent,
  state: ConversationState,
  held: HeldLock,
  log: Logger,
): Promise<void> {
  const sla = event.sla!;
  const nowMs = Date.now();
  const inDigest = state.place === 'digest';
  const thread = {
    channel: state.channelId!,
    text: '',
    blocks: [] as object[],
    threadTs: state.ts,
    // A conversation with only a digest line must not have its breach hidden in the shared thread.
    replyBroadcast: sla.broadcast || inDigest,
  };
  const breach = renderBreach(
    event,
    { summary: state.summary, transcriptUrl: parts.transcriptUrl(event.conversationId), inDigest },
    nowMs,
  );
  await postOnce(
    parts,
    held,
    {
      key: `${event.eventId}:thread`,
      channel: state.channel ?? state.channelId!,
      lookup: { channel: state.channelId!, threadTs: state.ts },
      message: { ...thread, ...breach },
    },
    log,
  );
  if (sla.channel) {
    const permalink = await permalinkOf(parts.slack, state);
    const startedMs = event.at ? timestampMs(event.at) : nowMs;
    await postOnce(
      parts,
      held,
      {
        key: `${event.eventId}:channel`,
        channel: sla.channel,
        lookup: { channel: sla.channel, oldestMs: startedMs - LOOKBACK_MS },
        message: { channel: sla.channel, ...renderEscalation(event, state.summary, permalink, nowMs) },
      },
      log,
    );
  }
  log.info({ slaLevel: sla.level, repeat: sla.repeat, clock: sla.clock }, 'SLA breach posted');
}

export function slaNotifyHandler(parts: SlaNotifyParts) {
  const { store, done } = parts;
  return async ({ event, log }: Delivery<typeof StatusEventSchema>): Promise<void> => {
    const { conversationId, eventId, change } = event;
    if (change !== StatusChange.SLA_BREACHED && change !== StatusChange.SLA_DEADLINE) return;
    if (!conversationId || !event.sla || (await done.isDone(eventId))) return;
    await withConversationLock(parts.locks, conversationId, async (held) => {
      const bot = botOfId(conversationId);
      const facts = await store.facts({ conversationId, bot }, eventId);
      const { teamId, userId } = facts.state.summary ?? {};
      const marks =
        teamId || userId
          ? await store.facts(
              { conversationId, bot, teamId: teamId || undefined, userId: userId || undefined },
              eventId,
            )
          : facts;
      if (marks.spamConversation || marks.spamUser || marks.spamTeam) return;
      const state = facts.state;
      const placed = (state.place === 'root' || state.place === 'digest') && state.channelId && state.ts;
      if (!placed) {
        if (change === StatusChange.SLA_DEADLINE) return; // the wait shows once the root is rendered later
        const ageMs = Date.now() - (event.at ? timestampMs(event.at) : Date.now());
        if (ageMs > GIVE_UP_UNPLACED_MS) {
          log.warn({ ageMs }, 'SLA breach for a conversation never placed in Slack: not posted');
          return;
        }
        throw new UnavailableError('the conversation is not in Slack yet: the breach waits for it', 'slack', 2000);
      }
      const before = state.status ?? {};
      const status = change === StatusChange.SLA_BREACHED ? withBreach(before, event) : withDeadline(before, event);
      await store.update(conversationId, { status: JSON.stringify(status) });
      if (change === StatusChange.SLA_BREACHED) await notifyBreach(parts, event, state, held, log);
      // The wait on the root: on each breach (within the chat.update budget), on a start or stop if a slot is free.
      await refreshMessage(
        parts,
        conversationId,
        { ...state, status },
        change === StatusChange.SLA_BREACHED ? 'soon' : 'if_free',
        log,
      );
    });
    await done.markDone(eventId);
  };
}
