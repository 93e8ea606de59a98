// Console session cookies and CSRF tokens (the sessions themselves live in Redis: console-sessions.ts).
import { ConsoleAuth, cookieValue, safeNext } from '../../src/console/console-auth';

const auth = new ConsoleAuth('a-console-session-secret-of-32-chars!!', 3600);

describe('ConsoleAuth', () => {
  it('names a session by a signed cookie, and refuses forged or altered ones', () => {
    const sid = auth.newSessionId();
    const value = auth.cookieValueFor(sid);
    expect(auth.sessionIdFrom(value)).toBe(sid);
    const [, mac] = value.split('.');
    expect(auth.sessionIdFrom(`${auth.newSessionId()}.${mac}`)).toBeNull();
    expect(auth.sessionIdFrom(`${sid}.${mac.slice(0, -2)}xx`)).toBeNull();
    expect(new ConsoleAuth('another-secret-of-at-least-32-chars!!', 3600).sessionIdFrom(value)).toBeNull();
    expect(auth.sessionIdFrom('garbage')).toBeNull();
    expect(auth.sessionIdFrom(undefined)).toBeNull();
    expect(auth.newSessionId()).not.toBe(sid);
  });

  it('binds CSRF tokens to the session', () => {
    const a = { login: 'olivia', name: 'Olivia', sid: auth.newSessionId() };
    const b = { login: 'olivia', name: 'Olivia', sid: auth.newSessionId() };
    expect(auth.checkCsrf(a, auth.csrfToken(a))).toBe(true);
    expect(auth.checkCsrf(a, auth.csrfToken(b))).toBe(false);
    expect(auth.checkCsrf(a, undefined)).toBe(false);
  });

  it('makes HttpOnly, SameSite cookies, Secure on https', () => {
    expect(auth.cookie('v', false)).toBe('sb_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600');
    expect(auth.cookie('v', true)).toContain('; Secure');
    expect(auth.clearCookie(false)).toContain('Max-Age=0');
  });
});

describe('cookieValue and safeNext', () => {
  it('reads one cookie', () => {
    expect(cookieValue('a=1; sb_session=abc.def; b=2', 'sb_session')).toBe('abc.def');
    expect(cookieValue(undefined, 'sb_session')).toBeUndefined();
  });

  it('never redirects off the console', () => {
    expect(safeNext('/console/conversations/c%201')).toBe('/console/conversations/c%201');
    expect(safeNext('https://evil.example/')).toBe('/console');
    expect(safeNext('//evil.example/console')).toBe('/console');
    expect(safeNext('/console//evil.example')).toBe('/console');
    expect(safeNext(undefined)).toBe('/console');
  });
});
