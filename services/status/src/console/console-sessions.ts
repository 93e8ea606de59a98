// Console sessions kept in Redis, shared by every replica: one ends when the operator signs out, when the
// operator is removed, after CONSOLE_SESSION_IDLE_MINUTES without a request, or CONSOLE_SESSION_HOURS
// after sign-in, whichever comes first. Ending one also ends its live streams on every replica.
import type { Redis } from '@switchboard/store';
import type { LiveHub } from '../conversation/live';
import type { StatusKeys } from '../status-keys';
import type { ConsoleUser } from './console-auth';

export interface SessionLimits {
  idleSeconds: number;
  maxSeconds: number;
}

export class ConsoleSessions {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StatusKeys,
    private readonly live: LiveHub,
    private readonly limits: SessionLimits,
  ) {}

  async start(sid: string, user: Omit<ConsoleUser, 'sid'>, nowMs = Date.now()): Promise<ConsoleUser> {
    const key = this.keys.consoleSession(sid);
    const fields = { login: user.login, name: user.name, email: user.email ?? '', created: String(nowMs) };
    const mine = this.keys.consoleSessionsOf(user.login);
    await this.redis
      .multi()
      .hset(key, fields)
      .expire(key, this.ttl(nowMs, nowMs))
      .sadd(mine, sid)
      .expire(mine, this.limits.maxSeconds)
      .exec();
    return { ...user, sid };
  }

  /** The session's operator, its idle clock restarted; null when it has ended or expired. */
  async find(sid: string, nowMs = Date.now()): Promise<ConsoleUser | null> {
    const key = this.keys.consoleSession(sid);
    const s = await this.redis.hgetall(key);
    if (!s.login) return null;
    const created = Number(s.created);
    if (!Number.isFinite(created) || nowMs >= created + this.limits.maxSeconds * 1000) {
      await this.end(sid, s.login);
      return null;
    }
    await this.redis.expire(key, this.ttl(created, nowMs));
    return { login: s.login, name: s.name || s.login, email: s.email || undefined, sid };
  }

  async end(sid: string, login?: string): Promise<void> {
    const key = this.keys.consoleSession(sid);
    const owner = login ?? (await this.redis.hget(key, 'login'));
    const ending = this.redis.multi().del(key);
    if (owner) ending.srem(this.keys.consoleSessionsOf(owner), sid);
    await ending.exec();
    await this.live.sessionEnded(sid);
  }

  /** Ends every session of an operator (removed from the operators). */
  async endAllOf(login: string): Promise<number> {
    const sids = await this.redis.smembers(this.keys.consoleSessionsOf(login));
    for (const sid of sids) await this.end(sid, login);
    await this.redis.del(this.keys.consoleSessionsOf(login));
    return sids.length;
  }

  /** Seconds until the idle timeout, never past the session's longest life. */
  private ttl(createdMs: number, nowMs: number): number {
    const left = Math.ceil((createdMs + this.limits.maxSeconds * 1000 - nowMs) / 1000);
    return Math.max(1, Math.min(this.limits.idleSeconds, left));
  }
}
