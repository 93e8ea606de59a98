// Live updates for every open console page, whichever replica it is connected to: the replica that
// records a transcript line or a status change publishes it on one Redis pub/sub channel, and each
// replica passes what it hears to its own listeners (the SSE streams of its console pages).
import type { Logger } from '@switchboard/core';
import { connectRedis, type Redis } from '@switchboard/store';
import type { ScriptStep } from '../script-steps';
import type { StatusKeys } from '../status-keys';
import type { ConversationSummary } from './conversation-state';
import type { TranscriptEntry } from './transcript';

export type LiveUpdate =
  | { type: 'entry'; conversationId: string; entry: TranscriptEntry }
  | { type: 'summary'; conversationId: string; summary: ConversationSummary }
  | { type: 'delivery'; conversationId: string; eventId: string; delivery: string };

/** A console session ended (signed out, operator removed): every replica ends its streams. */
interface SessionEnded {
  type: 'session_ended';
  sessionId: string;
}

type Listener = (update: LiveUpdate) => void;

/**
 * Lua: the step that publishes a live update from inside a script (`LiveHub.updateStep`), after the script's
 * writes; the channel is an argument (a channel is no key).
 */
export const PUBLISH_UPDATE = `
local function publish_update(_, a) redis.call('PUBLISH', a[1], a[2]) end
`;

export class LiveHub {
  private subscriber?: Redis;
  /** Listeners by conversation id; '*' hears every conversation (the list page). */
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly sessionListeners = new Set<(sessionId: string) => void>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    await connectRedis(subscriber, this.logger);
    subscriber.on('message', (_channel: string, text: string) => {
      try {
        const update = JSON.parse(text) as LiveUpdate | SessionEnded;
        if (update.type === 'session_ended') for (const listener of this.sessionListeners) listener(update.sessionId);
        else this.dispatch(update);
      } catch (err) {
        this.logger.warn({ err: (err as Error).message }, 'unreadable live update ignored');
      }
    });
    // ioredis subscribes again by itself after a reconnect.
    await subscriber.subscribe(this.keys.liveUpdates());
  }

  async stop(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /**
   * An update, published by a store's script (PUBLISH_UPDATE) in the same call as the write it announces. A
   * console that misses one catches up from the transcript when its stream reconnects.
   */
  updateStep(update: LiveUpdate): ScriptStep {
    return { keys: [], args: [this.keys.liveUpdates(), JSON.stringify(update)] };
  }

  /** Tells every replica that a console session ended. */
  async sessionEnded(sessionId: string): Promise<void> {
    await this.redis.publish(
      this.keys.liveUpdates(),
      JSON.stringify({ type: 'session_ended', sessionId } satisfies SessionEnded),
    );
  }

  onSessionEnded(listener: (sessionId: string) => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  listen(conversationId: string, listener: Listener): () => void {
    let set = this.listeners.get(conversationId);
    if (!set) this.listeners.set(conversationId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(conversationId);
    };
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  private dispatch(update: LiveUpdate): void {
    for (const key of [update.conversationId, '*']) {
      for (const listener of this.listeners.get(key) ?? []) listener(update);
    }
  }
}
