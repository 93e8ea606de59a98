// The console over HTTP: sign-in, the list of conversations, a conversation's live transcript (server-sent
// events), operator actions and replies as the bot. Every page and stream needs a signed-in operator;
// every POST needs the session's CSRF token; every response forbids framing and inline script.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { create, OperatorSchema, type Operator } from '@switchboard/proto';
import type { Logger } from '@switchboard/core';
import type { ConversationRefs, RateBudget } from '@switchboard/store';
import { KafkaTimeout, MAX_REPLY_LENGTH, type OperatorActions } from '../conversation/actions';
import { ConsoleAuth, SESSION_COOKIE, cookieValue, safeNext, type ConsoleUser } from './console-auth';
import { conversationPage, listPage, loginPage, notFoundPage, type PageUser } from './console-html';
import { ACTIONS, isActionName, type ListFilter } from '../conversation/conversation-state';
import type { ConversationIndex } from '../conversation/conversations';
import { describeDelivery, type DeliveryLog } from '../conversation/delivery-log';
import type { LiveHub, LiveUpdate } from '../conversation/live';
import type { OperatorDirectory } from '../operators/operators';
import type { TakeoverStore } from '../conversation/takeover';
import type { TranscriptStore } from '../conversation/transcript';

export interface ConsoleOptions {
  auth: ConsoleAuth;
  directory: OperatorDirectory;
  actions: OperatorActions;
  conversations: ConversationIndex;
  transcripts: TranscriptStore;
  deliveries: DeliveryLog;
  takeovers: TakeoverStore;
  refs: ConversationRefs;
  live: LiveHub;
  /** Sign-in attempts per client address. */
  loginBudget: RateBudget;
  /** https in CONSOLE_BASE_URL: cookies are Secure. */
  secureCookies: boolean;
  logger: Logger;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

const ASSETS: Record<string, { type: string; body: string }> = {
  'console.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(join(__dirname, '..', '..', 'public', 'console.js'), 'utf8') },
  'console.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(__dirname, '..', '..', 'public', 'console.css'), 'utf8') },
};

const STATUSES = new Set(['open', 'closed', 'spam', 'taken_over', 'unreviewed']);
const PRIORITIES = new Set(['low', 'normal', 'high', 'urgent']);
const text = (v: unknown, max = 200) => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : undefined);

export function listFilter(query: Record<string, unknown>): ListFilter {
  const status = text(query.status);
  const priority = text(query.priority);
  return {
    status: status && STATUSES.has(status) ? (status as ListFilter['status']) : undefined,
    priority: priority && PRIORITIES.has(priority) ? priority : undefined,
    team: text(query.team),
    q: text(query.q),
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleUser?: ConsoleUser;
  }
}

export async function registerConsoleRoutes(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const { auth, directory, actions, conversations, transcripts, deliveries, takeovers, refs, live, logger } = options;
  const streams = new Set<() => void>();

  const pageUser = (user: ConsoleUser): PageUser => ({ name: user.name, csrf: auth.csrfToken(user), canSignOut: !auth.trustedHeader });
  const operatorOf = (user: ConsoleUser): Operator =>
    create(OperatorSchema, { id: `console:${user.login}`, name: user.name, email: user.email ?? '', source: 'console' });

  function whoIs(request: FastifyRequest): ConsoleUser | null {
    if (auth.trustedHeader) {
      const identity = request.headers[auth.trustedHeader.toLowerCase()];
      const value = Array.isArray(identity) ? identity[0] : identity;
      if (!value?.trim()) return null;
      const account = directory.find(value);
      return auth.trusted(value.trim(), account && { login: account.login, name: account.name, email: account.email });
    }
    return auth.verify(cookieValue(request.headers.cookie, SESSION_COOKIE));
  }

  const html = (reply: FastifyReply, code: number, body: string) => reply.code(code).headers(SECURITY_HEADERS).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(body);

  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    scope.addHook('preClose', async () => {
      for (const end of streams) end();
    });

    scope.get<{ Params: { name: string } }>('/console/assets/:name', async (request, reply) => {
      const asset = ASSETS[request.params.name];
      if (!asset) return reply.code(404).send({ error: 'no such asset' });
      return reply.headers(SECURITY_HEADERS).header('cache-control', 'public, max-age=300').type(asset.type).send(asset.body);
    });

    scope.get<{ Querystring: { next?: string } }>('/console/login', async (request, reply) => {
      if (auth.trustedHeader) return reply.redirect('/console', 303);
      return html(reply, 200, loginPage({ next: safeNext(request.query.next) }));
    });

    scope.post<{ Body: Record<string, string> }>('/console/login', async (request, reply) => {
      if (auth.trustedHeader) return reply.redirect('/console', 303);
      const body = request.body ?? {};
      const next = safeNext(body.next);
      const budget = await options.loginBudget.tryTake(request.ip);
      if (!budget.allowed) {
        reply.header('retry-after', String(Math.ceil(budget.waitMs / 1000)));
        return html(reply, 429, loginPage({ error: 'Too many sign-in attempts; wait a minute and try again.', next }));
      }
      const account = await directory.authenticate(String(body.login ?? ''), String(body.password ?? ''));
      if (!account) {
        logger.warn({ login: String(body.login ?? '').slice(0, 100), ip: request.ip }, 'console sign-in refused');
        return html(reply, 401, loginPage({ error: 'Wrong login or password.', next }));
      }
      const session = auth.issue({ login: account.login, name: account.name, email: account.email });
      logger.info({ login: account.login }, 'operator signed in');
      return reply.header('set-cookie', auth.cookie(session.value, options.secureCookies)).redirect(next, 303);
    });

    // Everything below needs an operator.
    await scope.register(async (guarded) => {
      guarded.addHook('onRequest', async (request, reply) => {
        const user = whoIs(request);
        if (!user) {
          if (auth.trustedHeader) return reply.code(401).headers(SECURITY_HEADERS).send({ error: `sign-in required: no ${auth.trustedHeader} header from the auth proxy` });
          if (request.method === 'GET' && !request.url.endsWith('/stream')) return reply.redirect(`/console/login?next=${encodeURIComponent(request.url)}`, 303);
          return reply.code(401).headers(SECURITY_HEADERS).send({ error: 'sign-in required' });
        }
        request.consoleUser = user;
      });
      guarded.addHook('preHandler', async (request, reply) => {
        if (request.method !== 'POST') return;
        const body = (request.body ?? {}) as Record<string, string>;
        const token = body._csrf ?? (request.headers['x-csrf-token'] as string | undefined);
        if (!auth.checkCsrf(request.consoleUser!, token)) {
          logger.warn({ path: request.url, login: request.consoleUser!.login }, 'console request without a valid CSRF token refused');
          return reply.code(403).headers(SECURITY_HEADERS).send({ error: 'missing or wrong CSRF token: reload the page and try again' });
        }
      });

      guarded.post('/console/logout', async (_request, reply) => reply.header('set-cookie', auth.clearCookie(options.secureCookies)).redirect('/console/login', 303));

      guarded.get<{ Querystring: Record<string, unknown> }>('/console', async (request, reply) => {
        const filter = listFilter(request.query);
        return html(reply, 200, listPage(pageUser(request.consoleUser!), await conversations.list(filter), filter));
      });

      guarded.get('/console/stream', async (request, reply) => {
        openStream(request, reply, '*', async () => null);
      });

      guarded.get<{ Params: { id: string } }>('/console/conversations/:id', async (request, reply) => {
        const user = pageUser(request.consoleUser!);
        const { id } = request.params;
        const summary = await conversations.get(id);
        if (!summary) return html(reply, 404, notFoundPage(user, id));
        const [entries, delivered, takeover, slack, task] = await Promise.all([transcripts.read(id), deliveries.all(id), takeovers.state(id), refs.slackRoot(id), refs.asanaTask(id)]);
        const described = new Map([...delivered].map(([eventId, d]) => [eventId, describeDelivery(d)]));
        return html(reply, 200, conversationPage(user, { summary, entries, deliveries: described, takeover, slackUrl: slack?.permalink, taskUrl: task?.permalinkUrl }));
      });

      guarded.get<{ Params: { id: string } }>('/console/conversations/:id/stream', async (request, reply) => {
        const { id } = request.params;
        openStream(request, reply, id, async () => {
          const [entries, delivered, summary] = await Promise.all([transcripts.read(id), deliveries.all(id), conversations.get(id)]);
          return { entries, summary, deliveries: Object.fromEntries([...delivered].map(([eventId, d]) => [eventId, describeDelivery(d)])) };
        });
      });

      guarded.post<{ Params: { id: string }; Body: Record<string, string> }>('/console/conversations/:id/actions', async (request, reply) => {
        const { id } = request.params;
        const action = String(request.body?.action ?? '');
        if (!isActionName(action)) return reply.code(400).send({ error: `unknown action "${action.slice(0, 50)}"; one of ${Object.keys(ACTIONS).join(', ')}` });
        if (!(await conversations.get(id))) return reply.code(404).send({ error: 'no such conversation' });
        await actions.act({ conversationId: id, change: ACTIONS[action].change, actor: operatorOf(request.consoleUser!) });
        return reply.redirect(`/console/conversations/${encodeURIComponent(id)}`, 303);
      });

      guarded.post<{ Params: { id: string }; Body: Record<string, string> }>('/console/conversations/:id/messages', async (request, reply) => {
        const { id } = request.params;
        const body = String(request.body?.text ?? '').trim();
        if (!body) return reply.code(400).send({ error: 'the message is empty' });
        if (body.length > MAX_REPLY_LENGTH) return reply.code(400).send({ error: `the message is longer than ${MAX_REPLY_LENGTH} characters` });
        if (!(await conversations.get(id))) return reply.code(404).send({ error: 'no such conversation' });
        await actions.reply({ conversationId: id, text: body, actor: operatorOf(request.consoleUser!) });
        return reply.redirect(`/console/conversations/${encodeURIComponent(id)}`, 303);
      });
    });

    scope.setErrorHandler((err: Error, request, reply) => {
      if (err instanceof KafkaTimeout) return reply.code(503).header('retry-after', '1').send({ error: err.message });
      const status = (err as { statusCode?: number }).statusCode;
      if (status && status < 500) return reply.code(status).send({ error: err.message });
      logger.error({ err: err.message, path: request.url }, 'console request failed');
      return reply.code(503).send({ error: 'the console could not do that now; try again' });
    });
  });

  /** A server-sent event stream: a snapshot first (what the page may have missed), then live updates. */
  function openStream(request: FastifyRequest, reply: FastifyReply, key: string, snapshot: () => Promise<object | null>): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (event: string, data: unknown) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    raw.write('retry: 2000\n\n');
    const unlisten = live.listen(key, (update: LiveUpdate) => {
      if (update.type === 'entry') send('entry', update.entry);
      else if (update.type === 'summary') send('summary', update.summary);
      else send('delivery', { eventId: update.eventId, delivery: update.delivery });
    });
    const ping = setInterval(() => raw.write(': ping\n\n'), 15000);
    const end = () => {
      clearInterval(ping);
      unlisten();
      streams.delete(end);
      if (!raw.writableEnded) raw.end();
    };
    streams.add(end);
    request.raw.on('close', end);
    snapshot()
      .then((data) => data && send('snapshot', data))
      .catch((err: Error) => logger.warn({ err: err.message }, 'console stream snapshot failed'));
  }
}
