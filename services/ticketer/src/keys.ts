// The ticketer's own Redis keys (no other service reads them), next to the shared ones of @switchboard/store.
import type { Keys } from '@switchboard/store';

export interface TicketerKeys extends Keys {
  /** The ticketer's view of a conversation's task: completed, spam, notes, Slack link written (hash). */
  ticketerTask(conversationId: string): string;
  /** The marker that a conversation's task is about to be created (crash recovery). */
  ticketerCreateIntent(conversationId: string): string;
  /** Comment lines waiting to be written to a conversation's task together (list, oldest first). */
  ticketerComments(conversationId: string): string;
  /** A comment batch taken from the list and not yet recorded as written (OpenBatches). */
  ticketerCommentBatch(conversationId: string): string;
  /** Conversations with comment lines waiting (sorted set, score = when due, ms). */
  ticketerCommentsDue(): string;
  /**
   * Conversations whose task an earlier ticketer made without its Slack link, waiting for it (sorted set, score =
   * next check, ms); tasks are now made with the link, and the flusher links these.
   */
  ticketerLinkPending(): string;
  /** An Asana tag's gid by workspace and name. */
  asanaTagGid(workspaceGid: string, name: string): string;
}

/** The shared keys plus the ticketer's own, under the same prefix (the key names are unchanged). */
export function ticketerKeys(keys: Keys): TicketerKeys {
  const k = keys.key;
  return {
    ...keys,
    ticketerTask: (id) => k('conv', id, 'ticketer'),
    ticketerCreateIntent: (id) => k('conv', id, 'ticketer-create-intent'),
    ticketerComments: (id) => k('conv', id, 'ticketer-comments'),
    ticketerCommentBatch: (id) => k('conv', id, 'ticketer-comment-batch'),
    ticketerCommentsDue: () => k('ticketer', 'comments-due'),
    ticketerLinkPending: () => k('ticketer', 'link-pending'),
    asanaTagGid: (workspaceGid, name) => k('asana', 'tag', workspaceGid, name),
  };
}
