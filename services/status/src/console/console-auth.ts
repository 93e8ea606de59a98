// Who is using the console. Either operators sign in with a password (a session cookie signed with
// CONSOLE_SESSION_SECRET, HttpOnly, SameSite=Lax, Secure on https), or an auth proxy in front says who
// they are in a trusted header (CONSOLE_TRUSTED_HEADER; only safe when nothing reaches the service but
// through that proxy). Every state change carries a CSRF token bound to the session. Pure but for time.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ConsoleUser {
  login: string;
  name: string;
  email?: string;
  /** The session's id; the CSRF token is bound to it. */
  sid: string;
}

export const SESSION_COOKIE = 'sb_session';

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');
const mac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('base64url');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ConsoleAuth {
  constructor(
    private readonly secret: string,
    private readonly sessionSeconds: number,
    readonly trustedHeader?: string,
  ) {}

  /** A new session's cookie value for this operator. */
  issue(user: Omit<ConsoleUser, 'sid'>, nowMs = Date.now()): { value: string; user: ConsoleUser } {
    const session = { ...user, sid: randomBytes(16).toString('base64url') };
    const body = b64url(JSON.stringify({ l: session.login, n: session.name, e: session.email, s: session.sid, x: Math.floor(nowMs / 1000) + this.sessionSeconds }));
    return { value: `${body}.${mac(this.secret, `session:${body}`)}`, user: session };
  }

  /** The session a cookie value proves, or null when it is missing, forged or expired. */
  verify(value: string | undefined, nowMs = Date.now()): ConsoleUser | null {
    if (!value) return null;
    const dot = value.indexOf('.');
    if (dot <= 0) return null;
    const body = value.slice(0, dot);
    if (!sameText(value.slice(dot + 1), mac(this.secret, `session:${body}`))) return null;
    try {
      const s = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { l?: string; n?: string; e?: string; s?: string; x?: number };
      if (!s.l || !s.s || typeof s.x !== 'number' || s.x * 1000 < nowMs) return null;
      return { login: s.l, name: s.n || s.l, email: s.e, sid: s.s };
    } catch {
      return null;
    }
  }

  /** The user an auth proxy named: their session is the identity itself. */
  trusted(identity: string, account?: { login: string; name: string; email?: string }): ConsoleUser {
    return { login: account?.login ?? identity, name: account?.name ?? identity, email: account?.email, sid: `proxy:${identity}` };
  }

  csrfToken(user: ConsoleUser): string {
    return mac(this.secret, `csrf:${user.sid}`);
  }

  checkCsrf(user: ConsoleUser, token: string | undefined): boolean {
    return typeof token === 'string' && sameText(token, this.csrfToken(user));
  }

  cookie(value: string, secure: boolean, maxAgeSeconds = this.sessionSeconds): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
  }

  clearCookie(secure: boolean): string {
    return this.cookie('', secure, 0);
  }
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Only local paths after login: never an open redirect to another site. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/console(\/[\w\-./%?=&]*)?$/.test(next) && !next.includes('//') ? next : '/console';
}
