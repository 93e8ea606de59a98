// The signed-in console's pages and actions: the list, a conversation's transcript, their live streams,
// operator actions and replies as the bot. Registered inside the guarded scope (console-routes.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { create, OperatorSchema, StatusChange, type Operator } from '@switchboard/proto';
import type { ConversationRefs } from '@switchboard/store';
import { MAX_REPLY_LENGTH, type OperatorActions } from '../conversation/actions';
import {
  ACTIONS,
  isActionName,
  matchesFilter,
  summaryFromTimeline,
  type ConversationSummary,
} from '../conversation/conversation-state';
import type { ConversationIndex } from '../conversation/conversations';
import { describeDelivery, type DeliveryLog } from '../conversation/delivery-log';
import type { HandoffStore } from '../conversation/handoff';
import type { TakeoverStore } from '../conversation/takeover';
import { encodeCursor, type TimelineList } from '../conversation/timeline-list';
import type { TranscriptStore } from '../conversation/transcript';
import type { InboundOnce } from '../inbound-once';
import type { ConsoleAuth, ConsoleUser } from './console-auth';
import { SECURITY_HEADERS, sendHtml } from './console-http';
import { conversationPage, isHttpUrl, listPage, notFoundPage, notYetPage, type PageUser } from './console-html';
import type { ConsoleStreams } from './console-stream';
import { listQuery } from './list-filter';
import type { SpamScope } from '@switchboard/store';

export const pageUser = (auth: ConsoleAuth, user: ConsoleUser): PageUser => ({
  name: user.name,
  csrf: auth.csrfToken(user),
  canSignOut: !auth.trustedHeader,
  formId: () => randomBytes(16).toString('base64url'),
});

const FORM_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Does a form's work once per form id (the hidden `_form` of each rendered form), so the same form sent
 * again after a 503 makes no second event; the id is also the event's id. A form without one (a script
 * posting directly) gets a fresh id each time (still answered within the same window). Undefined when
 * `_form` is there but malformed.
 */
async function oncePerForm(
  once: InboundOnce,
  user: ConsoleUser,
  formId: unknown,
  work: (eventId: string) => Promise<void>,
): Promise<boolean | undefined> {
  if (formId === undefined || formId === '') {
    const eventId = randomUUID();
    return once.run('console', `${user.login}:${eventId}`, () => work(eventId));
  }
  if (typeof formId !== 'string' || !FORM_ID.test(formId)) return undefined;
  return once.run('console', `${user.login}:${formId}`, () => work(`console-${formId}`));
}

export const operatorOf = (user: ConsoleUser): Operator =>
  create(OperatorSchema, { id: `console:${user.login}`, name: user.name, email: user.email ?? '', source: 'console' });

const signedIn = (request: FastifyRequest) => request.consoleUser!;
const conversationUrl = (id: string) => `/console/conversations/${encodeURIComponent(id)}`;

/** Conversations on one page of the console list. */
export const LIST_PAGE_SIZE = 50;

export function listRoute(
  app: FastifyInstance,
  {
    auth,
    conversations,
    timelineList,
  }: { auth: ConsoleAuth; conversations: ConversationIndex; timelineList: TimelineList },
): void {
  app.get<{ Querystring: Record<string, unknown> }>('/console', async (request, reply) => {
    const query = listQuery(request.query);
    if ('error' in query) return reply.code(400).send({ error: query.error });
    const page = await timelineList.page(query.timeline, query.cursor, LIST_PAGE_SIZE);
    const summaries = await conversations.getMany(page.items.map((t) => t.id));
    const rows = page.items
      .map((t, i) => summaries[i] ?? summaryFromTimeline(t))
      .filter((s) => !query.q || matchesFilter(s, { q: query.q }));
    return sendHtml(
      reply,
      200,
      listPage(pageUser(auth, signedIn(request)), rows, query.filter, {
        next: page.next && encodeCursor(page.next),
        first: !query.cursor,
      }),
    );
  });
}

export function listStreamRoute(app: FastifyInstance, { streams }: { streams: ConsoleStreams }): void {
  app.get('/console/stream', async (request, reply) => {
    streams.stream(request, reply, signedIn(request).sid, '*', async () => null);
  });
}

export interface ConversationViewDeps {
  auth: ConsoleAuth;
  conversations: ConversationIndex;
  transcripts: TranscriptStore;
  deliveries: DeliveryLog;
  takeovers: TakeoverStore;
  handoffs: HandoffStore;
  refs: ConversationRefs;
}

export function conversationRoute(
  app: FastifyInstance,
  { auth, conversations, transcripts, deliveries, takeovers, handoffs, refs }: ConversationViewDeps,
): void {
  app.get<{ Params: { id: string } }>('/console/conversations/:id', async (request, reply) => {
    const user = pageUser(auth, signedIn(request));
    const { id } = request.params;
    const summary = await conversations.get(id);
    if (!summary) return sendHtml(reply, 404, notFoundPage(user, id));
    const [entries, delivered, takeover, handoff, slack, task] = await Promise.all([
      transcripts.read(id),
      deliveries.all(id),
      takeovers.state(id),
      handoffs.get(id),
      refs.slackRoot(id),
      refs.asanaTask(id),
    ]);
    const described = new Map([...delivered].map(([eventId, d]) => [eventId, describeDelivery(d)]));
    return sendHtml(
      reply,
      200,
      conversationPage(user, {
        summary,
        entries,
        deliveries: described,
        takeover,
        handoff,
        slackUrl: slack?.permalink,
        taskUrl: task?.permalinkUrl,
      }),
    );
  });

  // The links Slack and Asana carry from the start (agreements' slackThreadUrl and taskUrl): to wherever the
  // conversation is in Slack now (its own thread or the digest that lists it), and to its Asana task. Only an
  // http(s) URL is followed, so nothing stored can redirect elsewhere.
  const placeRoute = (where: 'slack' | 'task', find: (id: string) => Promise<string | undefined>) =>
    app.get<{ Params: { id: string } }>(`/console/conversations/:id/${where}`, async (request, reply) => {
      const { id } = request.params;
      const target = await find(id);
      if (isHttpUrl(target))
        return reply.headers(SECURITY_HEADERS).header('cache-control', 'no-store').redirect(target, 303);
      const user = pageUser(auth, signedIn(request));
      const known = await conversations.get(id);
      return sendHtml(reply, 404, known ? notYetPage(user, id, where) : notFoundPage(user, id));
    });
  placeRoute('slack', async (id) => (await refs.slackRoot(id))?.permalink);
  placeRoute('task', async (id) => (await refs.asanaTask(id))?.permalinkUrl);
}

export function conversationStreamRoute(
  app: FastifyInstance,
  {
    streams,
    conversations,
    transcripts,
    deliveries,
  }: {
    streams: ConsoleStreams;
    conversations: ConversationIndex;
    transcripts: TranscriptStore;
    deliveries: DeliveryLog;
  },
): void {
  app.get<{ Params: { id: string } }>('/console/conversations/:id/stream', async (request, reply) => {
    const { id } = request.params;
    streams.stream(request, reply, signedIn(request).sid, id, async () => {
      const [entries, delivered, summary] = await Promise.all([
        transcripts.read(id),
        deliveries.all(id),
        conversations.get(id),
      ]);
      return {
        entries,
        summary,
        deliveries: Object.fromEntries([...delivered].map(([eventId, d]) => [eventId, describeDelivery(d)])),
      };
    });
  });
}

interface FormDeps {
  actions: OperatorActions;
  conversations: ConversationIndex;
  once: InboundOnce;
}

/** The longest note an operator may leave the bot when handing back. */
export const MAX_HANDBACK_NOTE = 1000;

const BAD_FORM_ID = { error: 'the form id (_form) is malformed: reload the page and try again' };

/**
 * What Spam / Not spam apply to (the form's `scope`): every conversation of this user, the whole team, or
 * (no scope: a script posting directly) this conversation only. An error when the scope names someone unknown.
 */
export function spamScope(scope: unknown, summary: ConversationSummary): { scope?: SpamScope } | { error: string } {
  if (scope === undefined || scope === '' || scope === 'conversation') return {};
  if (scope === 'user')
    return summary.userId ? { scope: 'user' } : { error: 'this conversation’s user is not known: no user to mark' };
  if (scope === 'team')
    return summary.teamId ? { scope: 'team' } : { error: 'this conversation’s team is not known: no team to mark' };
  return { error: `unknown scope "${String(scope).slice(0, 50)}"; one of user, team, conversation` };
}

export function actionRoute(app: FastifyInstance, { actions, conversations, once }: FormDeps): void {
  app.post<{ Params: { id: string }; Body: Record<string, string> }>(
    '/console/conversations/:id/actions',
    async (request, reply) => {
      const { id } = request.params;
      const action = String(request.body?.action ?? '');
      if (!isActionName(action))
        return reply
          .code(400)
          .send({ error: `unknown action "${action.slice(0, 50)}"; one of ${Object.keys(ACTIONS).join(', ')}` });
      // Hand back may carry a note for the bot (it receives it in the hand-back webhook).
      const note = action === 'handback' ? String(request.body?.note ?? '').trim() : '';
      if (note.length > MAX_HANDBACK_NOTE)
        return reply.code(400).send({ error: `the note is longer than ${MAX_HANDBACK_NOTE} characters` });
      const summary = await conversations.get(id);
      if (!summary) return reply.code(404).send({ error: 'no such conversation' });
      const scope = action === 'spam' || action === 'not_spam' ? spamScope(request.body?.scope, summary) : {};
      if ('error' in scope) return reply.code(400).send({ error: scope.error });
      const user = signedIn(request);
      const done = await oncePerForm(once, user, request.body?._form, (eventId) =>
        actions.act({
          conversationId: id,
          change: ACTIONS[action].change,
          actor: operatorOf(user),
          eventId,
          ...(note ? { note } : {}),
          ...scope,
        }),
      );
      if (done === undefined) return reply.code(400).send(BAD_FORM_ID);
      return reply.redirect(conversationUrl(id), 303);
    },
  );
}

/** The longest internal note. */
export const MAX_NOTE_LENGTH = 4000;

/** The internal-note box: a NOTE for the transcript, the thread and the task, never sent to the user. */
export function noteRoute(app: FastifyInstance, { actions, conversations, once }: FormDeps): void {
  app.post<{ Params: { id: string }; Body: Record<string, string> }>(
    '/console/conversations/:id/notes',
    async (request, reply) => {
      const { id } = request.params;
      const text = String(request.body?.text ?? '').trim();
      if (!text) return reply.code(400).send({ error: 'the note is empty' });
      if (text.length > MAX_NOTE_LENGTH)
        return reply.code(400).send({ error: `the note is longer than ${MAX_NOTE_LENGTH} characters` });
      if (!(await conversations.get(id))) return reply.code(404).send({ error: 'no such conversation' });
      const user = signedIn(request);
      const done = await oncePerForm(once, user, request.body?._form, (eventId) =>
        actions.act({ conversationId: id, change: StatusChange.NOTE, actor: operatorOf(user), eventId, note: text }),
      );
      if (done === undefined) return reply.code(400).send(BAD_FORM_ID);
      return reply.redirect(conversationUrl(id), 303);
    },
  );
}

export function replyRoute(app: FastifyInstance, { actions, conversations, once }: FormDeps): void {
  app.post<{ Params: { id: string }; Body: Record<string, string> }>(
    '/console/conversations/:id/messages',
    async (request, reply) => {
      const { id } = request.params;
      const body = String(request.body?.text ?? '').trim();
      if (!body) return reply.code(400).send({ error: 'the message is empty' });
      if (body.length > MAX_REPLY_LENGTH)
        return reply.code(400).send({ error: `the message is longer than ${MAX_REPLY_LENGTH} characters` });
      if (!(await conversations.get(id))) return reply.code(404).send({ error: 'no such conversation' });
      const user = signedIn(request);
      const done = await oncePerForm(once, user, request.body?._form, (eventId) =>
        actions.reply({ conversationId: id, text: body, actor: operatorOf(user), eventId }),
      );
      if (done === undefined) return reply.code(400).send(BAD_FORM_ID);
      return reply.redirect(conversationUrl(id), 303);
    },
  );
}
