// Which tasks an Asana webhook delivery is about: the events that may have changed a task's completion,
// read without trusting their shape. Pure.

export interface AsanaEvent {
  action?: string;
  created_at?: string;
  user?: { gid?: string } | null;
  resource?: { gid?: string; resource_type?: string };
  change?: { field?: string } | null;
}

/** Who made the change: the event's user gid, if it has a well-formed one. Pure. */
export function actorGid(event: { user?: unknown }): string | undefined {
  const user = event.user;
  return typeof user === 'object' && user !== null && typeof (user as { gid?: unknown }).gid === 'string'
    ? (user as { gid: string }).gid
    : undefined;
}

/** The tasks whose completion an event batch may have changed, each with the latest event about it. Pure. */
export function completionEvents(events: unknown): Map<string, AsanaEvent> {
  const out = new Map<string, AsanaEvent>();
  if (!Array.isArray(events)) return out;
  for (const e of events as AsanaEvent[]) {
    if (typeof e !== 'object' || e === null) continue;
    const resource = typeof e.resource === 'object' && e.resource !== null ? e.resource : undefined;
    const gid = resource?.gid;
    if (
      resource?.resource_type !== 'task' ||
      typeof gid !== 'string' ||
      !/^\d{1,30}$/.test(gid) ||
      e.action !== 'changed'
    )
      continue;
    if (e.change && (typeof e.change !== 'object' || e.change.field !== 'completed')) continue;
    out.set(gid, e);
  }
  return out;
}
