// Console sessions and CSRF tokens.
import { ConsoleAuth, cookieValue, safeNext } from '../../src/console/console-auth';

const auth = new ConsoleAuth('a-console-session-secret-of-32-chars!!', 3600);

describe('ConsoleAuth', () => {
  it('issues a session it later recognises, until it expires', () => {
    const { value, user } = auth.issue({ login: 'olivia', name: 'Olivia', email: 'o@example.test' }, 1_000_000);
    expect(auth.verify(value, 1_000_000 + 1000)).toEqual(user);
    expect(auth.verify(value, 1_000_000 + 3601 * 1000)).toBeNull();
  });

  it('refuses a forged or altered cookie', () => {
    const { value } = auth.issue({ login: 'olivia', name: 'Olivia' });
    const [body, mac] = value.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ l: 'admin', n: 'Admin', s: 'x', x: 9e9 })).toString('base64url');
    expect(auth.verify(`${forgedBody}.${mac}`)).toBeNull();
    expect(auth.verify(`${body}.${mac.slice(0, -2)}xx`)).toBeNull();
    expect(new ConsoleAuth('another-secret-of-at-least-32-chars!!', 3600).verify(value)).toBeNull();
    expect(auth.verify('garbage')).toBeNull();
    expect(auth.verify(undefined)).toBeNull();
  });

  it('binds CSRF tokens to the session', () => {
    const a = auth.issue({ login: 'olivia', name: 'Olivia' }).user;
    const b = auth.issue({ login: 'olivia', name: 'Olivia' }).user;
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
