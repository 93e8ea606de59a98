// The console over HTTP: the parts every route shares (form bodies, who is signed in, the CSRF check on
// every POST, errors) and the routes themselves, registered from sign-in-routes.ts and
// conversation-routes.ts. Every page and stream needs a signed-in operator; every response forbids
// framing and inline script.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@switchboard/core';
import { StillWorking } from '../inbound-once';
import { SESSION_COOKIE, cookieValue, type ConsoleAuth, type ConsoleUser } from './console-auth';
import type { ConsoleOptions } from './console-context';
import { ASSETS, SECURITY_HEADERS } from './console-http';
import { ConsoleStreams } from './console-stream';
import {
  actionRoute,
  conversationRoute,
  noteRoute,
  conversationStreamRoute,
  listRoute,
  listStreamRoute,
  replyRoute,
} from './conversation-routes';
import { exportRoute, statsRoute } from './triage-routes';
import { queueRoute } from './queue-routes';
import { signInPageRoute, signInRoute, signOutRoute } from './sign-in-routes';

declare module 'fastify' {
  interface FastifyRequest {
    consoleUser?: ConsoleUser;
  }
}

/**
 * The operator a request comes from: the auth proxy's header (only on a connection from the proxy's
 * addresses; from anyone else it is as if no header were sent), else the session cookie; null if none.
 */
async function whoIs(
  { auth, directory, trustedProxies, sessions }: GuardDeps,
  request: FastifyRequest,
): Promise<ConsoleUser | null> {
  if (auth.trustedHeader) {
    if (!trustedProxies.has(request.socket.remoteAddress)) return null;
    const identity = request.headers[auth.trustedHeader.toLowerCase()];
    const value = Array.isArray(identity) ? identity[0] : identity;
    if (!value?.trim()) return null;
    const account = directory.find(value);
    return auth.trusted(value.trim(), account && { login: account.login, name: account.name, email: account.email });
  }
  const sid = auth.sessionIdFrom(cookieValue(request.headers.cookie, SESSION_COOKIE));
  const user = sid ? await sessions.find(sid) : null;
  if (user && !directory.find(user.login)?.passwordHash) {
    // Removed from the operators (or no longer signs in with a password) since: the session ends now.
    await sessions.end(user.sid, user.login);
    return null;
  }
  return user;
}

type GuardDeps = Pick<ConsoleOptions, 'auth' | 'directory' | 'trustedProxies' | 'sessions'>;

function requireOperator(deps: GuardDeps) {
  const { auth } = deps;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const user = await whoIs(deps, request);
    if (!user) {
      if (auth.trustedHeader)
        return reply
          .code(401)
          .headers(SECURITY_HEADERS)
          .send({ error: `sign-in required: no ${auth.trustedHeader} header from the auth proxy` });
      if (request.method === 'GET' && !request.url.endsWith('/stream'))
        return reply.redirect(`/console/login?next=${encodeURIComponent(request.url)}`, 303);
      return reply.code(401).headers(SECURITY_HEADERS).send({ error: 'sign-in required' });
    }
    request.consoleUser = user;
  };
}

function requireCsrf(auth: ConsoleAuth, logger: Logger) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'POST') return;
    const body = (request.body ?? {}) as Record<string, string>;
    const token = body._csrf ?? (request.headers['x-csrf-token'] as string | undefined);
    if (!auth.checkCsrf(request.consoleUser!, token)) {
      logger.warn(
        { path: request.url, login: request.consoleUser!.login },
        'console request without a valid CSRF token refused',
      );
      return reply
        .code(403)
        .headers(SECURITY_HEADERS)
        .send({ error: 'missing or wrong CSRF token: reload the page and try again' });
    }
  };
}

function assetRoute(app: FastifyInstance): void {
  app.get<{ Params: { name: string } }>('/console/assets/:name', async (request, reply) => {
    const asset = ASSETS[request.params.name];
    if (!asset) return reply.code(404).send({ error: 'no such asset' });
    return reply
      .headers(SECURITY_HEADERS)
      .header('cache-control', 'public, max-age=300')
      .type(asset.type)
      .send(asset.body);
  });
}

export async function registerConsoleRoutes(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const { auth, logger } = options;
  const streams = new ConsoleStreams(options.live, logger);

  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );
    scope.addHook('preClose', async () => streams.endAll());
    // Set before the operators' scope is registered below: an awaited register makes that scope at once, and
    // it takes the error handler its parent has then (set after it, the operators' forms answered Fastify's 500).
    scope.setErrorHandler((err: Error, request, reply) => {
      if (err instanceof StillWorking) return reply.code(503).header('retry-after', '1').send({ error: err.message });
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status < 500) return reply.code(status).send({ error: err.message });
      logger.error({ err: err.message, path: request.url }, 'console request failed');
      return reply.code(503).send({ error: 'the console could not do that now; try again' });
    });

    assetRoute(scope);
    signInPageRoute(scope, options);
    signInRoute(scope, options);

    // Everything below needs an operator.
    await scope.register(async (guarded) => {
      guarded.addHook('onRequest', requireOperator(options));
      guarded.addHook('preHandler', requireCsrf(auth, logger));
      signOutRoute(guarded, options);
      listRoute(guarded, options);
      listStreamRoute(guarded, { streams });
      conversationRoute(guarded, options);
      conversationStreamRoute(guarded, { ...options, streams });
      actionRoute(guarded, options);
      replyRoute(guarded, options);
      noteRoute(guarded, options);
      statsRoute(guarded, options);
      exportRoute(guarded, options);
      queueRoute(guarded, options);
    });
  });
}
