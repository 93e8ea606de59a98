// Asana back to the conversation, the pure part: which webhook events are comments added to a task and which are
// assignee changes (read without trusting their shape), and what a comment asks for: nothing (ours coming back,
// or empty), an internal note, or — starting `reply:` — a reply to the user.
import { actorGid, type AsanaEvent } from './asana-events';

const GID = /^\d{1,30}$/;

export interface StoryAdded {
  storyGid: string;
  /** The task it was added to, when the event says (its parent). */
  taskGid?: string;
}

export interface AssigneeChanged {
  taskGid: string;
  /** Who changed it (ours are ignored: our own change coming back). */
  userGid?: string;
  createdAt: string;
}

type RawEvent = AsanaEvent & { parent?: { gid?: unknown; resource_type?: unknown } | null };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Comments added to tasks, each story once per batch, in order. */
export function commentEvents(events: unknown): StoryAdded[] {
  if (!Array.isArray(events)) return [];
  const out = new Map<string, StoryAdded>();
  for (const e of events as RawEvent[]) {
    if (!isObject(e) || e.action !== 'added' || !isObject(e.resource)) continue;
    const { gid, resource_type: type } = e.resource as { gid?: unknown; resource_type?: unknown };
    const subtype = (e.resource as { resource_subtype?: unknown }).resource_subtype;
    if (type !== 'story' || subtype !== 'comment_added' || typeof gid !== 'string' || !GID.test(gid)) continue;
    const parent = isObject(e.parent) ? e.parent : undefined;
    const taskGid =
      parent?.resource_type === 'task' && typeof parent.gid === 'string' && GID.test(parent.gid)
        ? parent.gid
        : undefined;
    out.set(gid, { storyGid: gid, ...(taskGid ? { taskGid } : {}) });
  }
  return [...out.values()];
}

/** Tasks whose assignee changed, with the latest such event per task. */
export function assigneeEvents(events: unknown): AssigneeChanged[] {
  if (!Array.isArray(events)) return [];
  const out = new Map<string, AssigneeChanged>();
  for (const e of events as RawEvent[]) {
    if (!isObject(e) || e.action !== 'changed' || !isObject(e.resource) || !isObject(e.change)) continue;
    const { gid, resource_type: type } = e.resource;
    if (type !== 'task' || typeof gid !== 'string' || !GID.test(gid) || e.change.field !== 'assignee') continue;
    const userGid = actorGid(e);
    out.set(gid, {
      taskGid: gid,
      ...(userGid ? { userGid } : {}),
      createdAt: typeof e.created_at === 'string' ? e.created_at.slice(0, 40) : '',
    });
  }
  return [...out.values()];
}

/** The prefix that makes a comment a reply to the user (case-insensitive). */
export const REPLY_PREFIX = 'reply:';

export type CommentIntent =
  | { act: 'ignore'; why: 'ours' | 'not_a_comment' | 'empty' }
  | { act: 'note'; text: string }
  | { act: 'reply'; text: string };

/**
 * What a story means for the conversation: our own comments (written with our token) and anything that is not a
 * person's comment are ignored; `reply: …` goes to the user; any other comment is an internal note.
 */
export function commentIntent(
  story: { type: string; text: string; authorGid?: string },
  ownGid: string,
): CommentIntent {
  if (story.type !== 'comment') return { act: 'ignore', why: 'not_a_comment' };
  if (story.authorGid !== undefined && story.authorGid === ownGid) return { act: 'ignore', why: 'ours' };
  const text = story.text.trim();
  if (text.toLowerCase().startsWith(REPLY_PREFIX)) {
    const reply = text.slice(REPLY_PREFIX.length).trim();
    return reply ? { act: 'reply', text: reply } : { act: 'ignore', why: 'empty' };
  }
  return text ? { act: 'note', text } : { act: 'ignore', why: 'empty' };
}
