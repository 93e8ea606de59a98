// Where a conversation lives outside Switchboard: its Slack root message and the digests that list it (written
// by the notifier) and its Asana task (written by the ticketer). Each service reads the other's records here,
// typed, rather than parsing another service's keys.
import type { ChainableCommander, Redis } from 'ioredis';
import type { Keys } from './keys';

export interface SlackRootRef {
  channel: string;
  ts: string;
  /** chat.getPermalink of the root, once known. */
  permalink?: string;
}

export interface AsanaTaskRef {
  gid: string;
  permalinkUrl: string;
}

const RETENTION_SECONDS = 90 * 24 * 60 * 60;

/** An Asana task reference as stored (JSON), or null for a missing or unreadable one. */
export function parseAsanaTaskRef(raw: string | null | undefined): AsanaTaskRef | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as AsanaTaskRef;
  } catch {
    return null;
  }
}

export class ConversationRefs {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async slackRoot(conversationId: string): Promise<SlackRootRef | null> {
    const raw = await this.redis.get(this.keys.slackRoot(conversationId));
    return raw ? (JSON.parse(raw) as SlackRootRef) : null;
  }

  /** Also records the way back, so a reply in the thread finds its conversation. */
  async setSlackRoot(conversationId: string, ref: SlackRootRef): Promise<void> {
    await this.addSlackRoot(this.redis.multi(), conversationId, ref, true).exec();
  }

  /**
   * Adds the record of where a conversation's thread is to a transaction of the caller's; `ownThread` when the
   * message is the conversation's own root (a reply in it is this conversation's), false for a digest's line.
   */
  addSlackRoot(
    multi: ChainableCommander,
    conversationId: string,
    ref: SlackRootRef,
    ownThread: boolean,
  ): ChainableCommander {
    multi.set(this.keys.slackRoot(conversationId), JSON.stringify(ref), 'EX', RETENTION_SECONDS);
    if (ownThread) multi.set(this.keys.slackThread(ref.channel, ref.ts), conversationId, 'EX', RETENTION_SECONDS);
    return multi;
  }

  /** The conversation whose own root message is this one (digests list several: see the notifier). */
  async conversationOfThread(channelId: string, ts: string): Promise<string | null> {
    return this.redis.get(this.keys.slackThread(channelId, ts));
  }

  async asanaTask(conversationId: string): Promise<AsanaTaskRef | null> {
    return parseAsanaTaskRef(await this.redis.get(this.keys.asanaTask(conversationId)));
  }

  /** Also records the way back, so an Asana webhook event about the task finds its conversation. */
  async setAsanaTask(conversationId: string, ref: AsanaTaskRef): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.asanaTask(conversationId), JSON.stringify(ref), 'EX', RETENTION_SECONDS)
      .set(this.keys.asanaTaskConversation(ref.gid), conversationId, 'EX', RETENTION_SECONDS)
      .exec();
  }

  async conversationOfTask(taskGid: string): Promise<string | null> {
    return this.redis.get(this.keys.asanaTaskConversation(taskGid));
  }
}

/**
 * The conversations a posted Slack digest message lists, by the message's channel id and ts: written by the
 * notifier when it records a digest, read by the status service to learn whose conversation a reply in a
 * digest's thread (or a button on one of its lines) is about.
 */
export class DigestListings {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  /** The conversation ids the digest lists, in its order; empty when the message is not a known digest. */
  async conversationsOf(channelId: string, ts: string): Promise<string[]> {
    const raw = await this.redis.get(this.keys.digestMessage(channelId, ts));
    if (!raw) return [];
    try {
      const ids = JSON.parse(raw) as unknown;
      return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
    } catch {
      return [];
    }
  }

  /** Adds the digest's listing to a transaction of the notifier's (with the conversations' placement). */
  add(multi: ChainableCommander, channelId: string, ts: string, conversationIds: string[]): ChainableCommander {
    return multi.set(this.keys.digestMessage(channelId, ts), JSON.stringify(conversationIds), 'EX', RETENTION_SECONDS);
  }
}
