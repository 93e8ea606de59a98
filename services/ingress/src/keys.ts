// Ingress's own Redis keys (no other service reads them), next to the shared ones of @switchboard/store.
import type { Keys } from '@switchboard/store';

export interface IngressKeys extends Keys {
  /** Ingress's record of an accepted client event id (idempotency key). */
  ingressAccepted(eventId: string): string;
}

/** The shared keys plus ingress's own, under the same prefix (the key names are unchanged). */
export function ingressKeys(keys: Keys): IngressKeys {
  return { ...keys, ingressAccepted: (eventId) => keys.key('ingress', 'accepted', eventId) };
}
