// The classifier's own Redis keys (no other service reads them), next to the shared ones of @switchboard/store.
import type { Keys } from '@switchboard/store';

export interface ClassifierKeys extends Keys {
  /** The event id that started a conversation (SET NX): the first event wins, survives restarts. */
  conversationStarted(conversationId: string): string;
  /** Milliseconds of the conversation's last event, to detect resumption after silence. */
  conversationLastSeen(conversationId: string): string;
}

/** The shared keys plus the classifier's own, under the same prefix (the key names are unchanged). */
export function classifierKeys(keys: Keys): ClassifierKeys {
  const k = keys.key;
  return {
    ...keys,
    conversationStarted: (id) => k('conv', id, 'started'),
    conversationLastSeen: (id) => k('conv', id, 'last-seen'),
  };
}
