// Signing in and out of the console with a login and password (behind an auth proxy the proxy does both,
// and these routes send the operator on to the console).
import type { FastifyInstance } from 'fastify';
import type { Logger } from '@switchboard/core';
import type { RateBudget } from '@switchboard/store';
import type { OperatorDirectory } from '../operators/operators';
import { safeNext, type ConsoleAuth } from './console-auth';
import { sendHtml } from './console-http';
import { loginPage } from './console-html';

export interface SignInDeps {
  auth: ConsoleAuth;
  directory: OperatorDirectory;
  loginBudget: RateBudget;
  secureCookies: boolean;
  logger: Logger;
}

export function signInPageRoute(app: FastifyInstance, { auth }: Pick<SignInDeps, 'auth'>): void {
  app.get<{ Querystring: { next?: string } }>('/console/login', async (request, reply) => {
    if (auth.trustedHeader) return reply.redirect('/console', 303);
    return sendHtml(reply, 200, loginPage({ next: safeNext(request.query.next) }));
  });
}

export function signInRoute(app: FastifyInstance, { auth, directory, loginBudget, secureCookies, logger }: SignInDeps): void {
  app.post<{ Body: Record<string, string> }>('/console/login', async (request, reply) => {
    if (auth.trustedHeader) return reply.redirect('/console', 303);
    const body = request.body ?? {};
    const next = safeNext(body.next);
    const budget = await loginBudget.tryTake(request.ip);
    if (!budget.allowed) {
      reply.header('retry-after', String(Math.ceil(budget.waitMs / 1000)));
      return sendHtml(reply, 429, loginPage({ error: 'Too many sign-in attempts; wait a minute and try again.', next }));
    }
    const account = await directory.authenticate(String(body.login ?? ''), String(body.password ?? ''));
    if (!account) {
      logger.warn({ login: String(body.login ?? '').slice(0, 100), ip: request.ip }, 'console sign-in refused');
      return sendHtml(reply, 401, loginPage({ error: 'Wrong login or password.', next }));
    }
    const session = auth.issue({ login: account.login, name: account.name, email: account.email });
    logger.info({ login: account.login }, 'operator signed in');
    return reply.header('set-cookie', auth.cookie(session.value, secureCookies)).redirect(next, 303);
  });
}

/** Needs a signed-in operator (registered inside the guarded scope). */
export function signOutRoute(app: FastifyInstance, { auth, secureCookies }: Pick<SignInDeps, 'auth' | 'secureCookies'>): void {
  app.post('/console/logout', async (_request, reply) => reply.header('set-cookie', auth.clearCookie(secureCookies)).redirect('/console/login', 303));
}
