// Signing in and out of the console with a login and password (behind an auth proxy the proxy does both,
// and these routes send the operator on to the console).
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '@switchboard/core';
import type { RateBudget } from '@switchboard/store';
import type { OperatorDirectory } from '../operators/operators';
import { safeNext, type ConsoleAuth } from './console-auth';
import type { ConsoleSessions } from './console-sessions';
import { sendHtml } from './console-http';
import { loginPage } from './console-html';

export interface SignInDeps {
  auth: ConsoleAuth;
  sessions: ConsoleSessions;
  directory: OperatorDirectory;
  loginBudget: RateBudget;
  loginNameBudget: RateBudget;
  secureCookies: boolean;
  logger: Logger;
}

export function signInPageRoute(app: FastifyInstance, { auth }: Pick<SignInDeps, 'auth'>): void {
  app.get<{ Querystring: { next?: string } }>('/console/login', async (request, reply) => {
    if (auth.trustedHeader) return reply.redirect('/console', 303);
    return sendHtml(reply, 200, loginPage({ next: safeNext(request.query.next) }));
  });
}

/** The per-login budget's subject: a hash, so a password typed into the login field is not kept in Redis. */
const loginSubject = (login: string) =>
  createHash('sha256').update(login.trim().toLowerCase()).digest('hex').slice(0, 32);

export function signInRoute(
  app: FastifyInstance,
  { auth, sessions, directory, loginBudget, loginNameBudget, secureCookies, logger }: SignInDeps,
): void {
  app.post<{ Body: Record<string, string> }>('/console/login', async (request, reply) => {
    if (auth.trustedHeader) return reply.redirect('/console', 303);
    const body = request.body ?? {};
    const next = safeNext(body.next);
    const login = String(body.login ?? '');
    // Per address first, so one noisy client spends its own budget and not the login's.
    const budget = await loginBudget.tryTake(request.ip);
    const perLogin = budget.allowed ? await loginNameBudget.tryTake(loginSubject(login)) : budget;
    if (!perLogin.allowed) {
      logger.warn(
        { ip: request.ip, limit: budget.allowed ? 'login' : 'address' },
        'console sign-in attempts over the limit',
      );
      reply.header('retry-after', String(Math.max(1, Math.ceil(perLogin.waitMs / 1000))));
      return sendHtml(
        reply,
        429,
        loginPage({ error: 'Too many sign-in attempts; wait a minute and try again.', next }),
      );
    }
    const account = await directory.authenticate(login, String(body.password ?? ''));
    if (!account) {
      // Never the login field: a password typed into it would land in the log.
      logger.warn({ ip: request.ip }, 'console sign-in refused');
      return sendHtml(reply, 401, loginPage({ error: 'Wrong login or password.', next }));
    }
    const sid = auth.newSessionId();
    await sessions.start(sid, { login: account.login, name: account.name, email: account.email });
    logger.info({ login: account.login }, 'operator signed in');
    return reply.header('set-cookie', auth.cookie(auth.cookieValueFor(sid), secureCookies)).redirect(next, 303);
  });
}

/** Ends the session (and its live streams, on every replica). Registered inside the guarded scope. */
export function signOutRoute(
  app: FastifyInstance,
  { auth, sessions, secureCookies, logger }: Pick<SignInDeps, 'auth' | 'sessions' | 'secureCookies' | 'logger'>,
): void {
  app.post('/console/logout', async (request, reply) => {
    const user = request.consoleUser!;
    if (!auth.trustedHeader) await sessions.end(user.sid, user.login);
    logger.info({ login: user.login }, 'operator signed out');
    return reply.header('set-cookie', auth.clearCookie(secureCookies)).redirect('/console/login', 303);
  });
}
