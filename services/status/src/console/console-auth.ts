// Who is using the console. Either operators sign in with a password (a cookie naming a server-side
// session, signed with CONSOLE_SESSION_SECRET, HttpOnly, SameSite=Lax, Secure on https), or an auth proxy
// in front says who they are in a trusted header (CONSOLE_TRUSTED_HEADER, believed only from the proxy's
// addresses). Every state change carries a CSRF token bound to the session. Pure.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ConsoleUser {
  login: string;
  name: string;
  email?: string;
  /** The session's id; the CSRF token is bound to it. */
  sid: string;
}

export const SESSION_COOKIE = 'sb_session';

const mac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('base64url');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class ConsoleAuth {
  constructor(
    private readonly secret: string,
    /** The cookie's lifetime: the session's longest life (CONSOLE_SESSION_HOURS). */
    private readonly sessionSeconds: number,
    readonly trustedHeader?: string,
  ) {}

  /** A new, unguessable session id. */
  newSessionId(): string {
    return randomBytes(24).toString('base64url');
  }

  /** The cookie value naming a session: its id, signed, so garbage is refused before Redis is asked. */
  cookieValueFor(sid: string): string {
    return `${sid}.${mac(this.secret, `session:${sid}`)}`;
  }

  /** The session id a cookie value names, or null when it is missing or forged. */
  sessionIdFrom(value: string | undefined): string | null {
    if (!value) return null;
    const dot = value.indexOf('.');
    if (dot <= 0) return null;
    const sid = value.slice(0, dot);
    return sameText(value.slice(dot + 1), mac(this.secret, `session:${sid}`)) ? sid : null;
  }

  /** The user an auth proxy named: their session is the identity itself. */
  trusted(identity: string, account?: { login: string; name: string; email?: string }): ConsoleUser {
    return {
      login: account?.login ?? identity,
      name: account?.name ?? identity,
      email: account?.email,
      sid: `proxy:${identity}`,
    };
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
  return typeof next === 'string' && /^\/console(\/[\w\-./%?=&]*)?$/.test(next) && !next.includes('//')
    ? next
    : '/console';
}
