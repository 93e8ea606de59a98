// Conversation and event ids scoped by the bot that reported them: `bot:id`, made once at ingress, so two bots
// (two API keys) never share a conversation, an idempotency key, a Redis key or a Kafka message key.
// API key names never contain ':' (api-keys.ts refuses them), so the first ':' separates bot from id.

export interface ScopedId {
  /** The bot: its API key's name. */
  bot: string;
  /** The id as the bot itself sent it (which may contain ':'). */
  id: string;
}

export class ScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScopeError';
  }
}

/** The id inside the bot's own space: `${bot}:${id}`. */
export function scopeId(bot: string, id: string): string {
  if (bot === '' || bot.includes(':')) throw new ScopeError(`bot name "${bot}" must be non-empty and contain no ':'`);
  return `${bot}:${id}`;
}

/** The bot and its own id, back from a scoped id; throws for a string no scopeId made. */
export function unscopeId(scoped: string): ScopedId {
  const at = scoped.indexOf(':');
  if (at <= 0) throw new ScopeError(`"${scoped}" is not a bot-scoped id (bot:id)`);
  return { bot: scoped.slice(0, at), id: scoped.slice(at + 1) };
}

/** The bot a scoped id belongs to, or '' for an id no scopeId made (one recorded before ids were scoped). */
export function botOfId(scoped: string): string {
  const at = scoped.indexOf(':');
  return at > 0 ? scoped.slice(0, at) : '';
}

/**
 * The bot's own id for a scoped one, when the bot is known (an operator message carries bot_id): the id
 * without the `${bot}:` prefix. An id outside that bot's scope (recorded before ids were scoped) comes back
 * as it is, which is what that bot sent then.
 */
export function idWithinBot(bot: string, scoped: string): string {
  return bot !== '' && scoped.startsWith(`${bot}:`) ? scoped.slice(bot.length + 1) : scoped;
}
