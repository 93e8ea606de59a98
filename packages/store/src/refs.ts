// Where a conversation lives outside Switchboard: its Slack root message (written by the notifier) and its
// Asana task (written by the ticketer). Each service reads the other's record to link to it.
import type { Redis } from 'ioredis';
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
    await this.redis
      .multi()
      .set(this.keys.slackRoot(conversationId), JSON.stringify(ref), 'EX', RETENTION_SECONDS)
      .set(this.keys.slackThread(ref.channel, ref.ts), conversationId, 'EX', RETENTION_SECONDS)
      .exec();
  }

  /** The conversation whose own root message is this one (digests list several: see the notifier). */
  async conversationOfThread(channelId: string, ts: string): Promise<string | null> {
    return this.redis.get(this.keys.slackThread(channelId, ts));
  }

  async asanaTask(conversationId: string): Promise<AsanaTaskRef | null> {
    const raw = await this.redis.get(this.keys.asanaTask(conversationId));
    return raw ? (JSON.parse(raw) as AsanaTaskRef) : null;
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
