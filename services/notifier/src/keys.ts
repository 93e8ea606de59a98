// The notifier's own Redis keys (no other service reads them), next to the shared ones of @switchboard/store.
import type { Keys } from '@switchboard/store';

export interface NotifierKeys extends Keys {
  /** The notifier's record of a conversation: where its Slack thread is, its first event and status (hash). */
  notifierConversation(conversationId: string): string;
  /** The marker that a thread reply for an event is being posted (crash recovery). */
  notifierPostIntent(eventId: string): string;
  /** Conversations waiting for a channel's next digest message (sorted set, score = when queued). */
  digestPending(channel: string): string;
  /** A digest taken from the pending set and not yet recorded as posted (OpenBatches; crash recovery). */
  digestBatch(channel: string): string;
  /** Every channel that has had a pending digest or pending thread replies, so any replica can flush it. */
  digestChannels(): string;
  /** A conversation's thread replies waiting to be posted together (sorted set of event ids, hash of lines). */
  notifierReplies(conversationId: string): string;
  notifierReplyLines(conversationId: string): string;
  /** Replies taken to be posted and not yet recorded as posted (OpenBatches; crash recovery). */
  notifierReplyBatch(conversationId: string): string;
  /** Conversations of a channel with thread replies waiting (sorted set, urgent first). */
  repliesPending(channel: string): string;
  /** A Slack channel's id by the name it is configured with (conversations.history needs the id). */
  slackChannelId(channel: string): string;
}

/** The shared keys plus the notifier's own, under the same prefix (the key names are unchanged). */
export function notifierKeys(keys: Keys): NotifierKeys {
  const k = keys.key;
  return {
    ...keys,
    notifierConversation: (id) => k('conv', id, 'notifier'),
    notifierPostIntent: (eventId) => k('notifier', 'intent', eventId),
    digestPending: (channel) => k('notifier', 'digest', channel, 'pending'),
    digestBatch: (channel) => k('notifier', 'digest', channel, 'batch'),
    digestChannels: () => k('notifier', 'digest-channels'),
    notifierReplies: (id) => k('conv', id, 'notifier-replies'),
    notifierReplyLines: (id) => k('conv', id, 'notifier-reply-lines'),
    notifierReplyBatch: (id) => k('conv', id, 'notifier-reply-batch'),
    repliesPending: (channel) => k('notifier', 'replies', channel, 'pending'),
    slackChannelId: (channel) => k('notifier', 'channel-id', channel),
  };
}
