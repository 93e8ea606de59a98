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

  async setSlackRoot(conversationId: string, ref: SlackRootRef): Promise<void> {
    await this.redis.set(this.keys.slackRoot(conversationId), JSON.stringify(ref), 'EX', RETENTION_SECONDS);
  }

  async asanaTask(conversationId: string): Promise<AsanaTaskRef | null> {
    const raw = await this.redis.get(this.keys.asanaTask(conversationId));
    return raw ? (JSON.parse(raw) as AsanaTaskRef) : null;
  }

  async setAsanaTask(conversationId: string, ref: AsanaTaskRef): Promise<void> {
    await this.redis.set(this.keys.asanaTask(conversationId), JSON.stringify(ref), 'EX', RETENTION_SECONDS);
  }
}
