// The burst benchmark's arithmetic, pure: the floor the vendors' limits allow for placing a burst of new
// conversations in Slack and giving each its Asana task, that floor as a curve over time, and which bench
// conversations a Slack message or an Asana task shows (read from the sandbox's state).

export interface BurstShape {
  conversations: number;
  urgent: number;
  /** Most conversations one digest message lists (the notifier's NOTIFIER_DIGEST_MAX). */
  digestSize: number;
  /** Slack's chat.postMessage pace per channel, and the burst it tolerates. */
  slackPostsPerSecond: number;
  slackBurst: number;
  /** Asana's requests per minute per token. */
  asanaPerMinute: number;
}

export interface Floor {
  /** Fewest Slack posts that place every conversation: an own root per urgent one, digests for the rest. */
  slackPosts: number;
  slackSeconds: number;
  /** One create per task at Asana's rate. */
  asanaSeconds: number;
  /** Both done: the later of the two. */
  seconds: number;
}

export function burstFloor(shape: BurstShape): Floor {
  const slackPosts = shape.urgent + Math.ceil((shape.conversations - shape.urgent) / shape.digestSize);
  const slackSeconds = Math.max(0, slackPosts - shape.slackBurst) / shape.slackPostsPerSecond;
  const asanaSeconds = shape.conversations / (shape.asanaPerMinute / 60);
  return { slackPosts, slackSeconds, asanaSeconds, seconds: Math.max(slackSeconds, asanaSeconds) };
}

/**
 * The most conversations that can be placed in Slack and have their task `t` seconds into the burst: posts
 * made so far (the burst at once, then the channel's pace), full digests first, and tasks at Asana's rate.
 */
export function floorAt(shape: BurstShape, t: number): number {
  const posts = Math.min(burstFloor(shape).slackPosts, shape.slackBurst + Math.floor(t * shape.slackPostsPerSecond));
  const placed = Math.min(shape.conversations, posts * shape.digestSize);
  const tasks = Math.min(shape.conversations, Math.floor((t * shape.asanaPerMinute) / 60));
  return Math.min(placed, tasks);
}

/** The numbers of the bench conversations `text` names (`<run>-<n>` anywhere in it), each once. */
export function conversationsIn(text: string, run: string): number[] {
  const found = new Set<number>();
  const pattern = new RegExp(`${run}-(\\d+)\\b`, 'g');
  for (const match of text.matchAll(pattern)) found.add(Number(match[1]));
  return [...found];
}

/** A conversation's own root: the notifier's metadata on a top-level message names it. */
export function rootConversation(metadata: unknown): string | undefined {
  const m = metadata as { event_type?: string; event_payload?: { conversation_id?: unknown } } | undefined;
  return m?.event_type === 'switchboard_conversation' && typeof m.event_payload?.conversation_id === 'string'
    ? m.event_payload.conversation_id
    : undefined;
}

/** Quantile of a list of numbers (nearest rank); NaN when it is empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
