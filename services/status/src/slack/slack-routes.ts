// Slack's side of the status service: button clicks (/slack/interactions) and thread replies
// (/slack/events). Every request's v0 signature is checked on the raw body before anything else is read;
// each action and event is handled once however often Slack delivers it, and answered 2xx only once done.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { StatusChange } from '@switchboard/proto';
import type { Logger, Metrics } from '@switchboard/core';
import { DigestListings, type ConversationRefs, type Redis } from '@switchboard/store';
import type { StatusKeys } from '../status-keys';
import type { OperatorActions } from '../conversation/actions';
import { ACTIONS, SLACK_ACTIONS } from '../conversation/conversation-state';
import type { Identities } from '../operators/identities';
import { StillWorking, type InboundOnce } from '../inbound-once';
import { verifySlack } from '../signatures';
import { parseSlackAction, parseThreadReply, slackPlainText } from './slack-payloads';
import type { ThreadReplies } from './reply-mode';
import type { SlackEphemeral } from './slack-ephemeral';
import { choiceOf, digestThreadText } from './thread-answers';
import type { SlackMembers } from './slack-members';
import { spamScopeOf, type SpamChoice } from './spam-choice';

export interface SlackRouteOptions {
  signingSecret: string;
  /** Who may act from Slack (SLACK_ALLOWED_OPERATORS; never guests or other workspaces' users). */
  members: SlackMembers;
  notePrefix: string;
  actions: OperatorActions;
  /** What a thread reply does (STATUS_THREAD_REPLY_MODE), and the Send / Keep as note answers. */
  threadReplies: ThreadReplies;
  /** Private answers in a thread (a digest's thread names no conversation). */
  ephemeral: SlackEphemeral;
  identities: Identities;
  refs: ConversationRefs;
  redis: Redis;
  keys: StatusKeys;
  /** Each delivery id acted on once; a redelivery while the first is still working is told to come back. */
  once: InboundOnce;
  /** Spam's second step (this conversation / user / team); without it, Spam marks the conversation at once. */
  spamChoice?: SpamChoice;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
}

/** A stable id for one Slack action or event: the same click or event delivered twice makes one event. */
const stableId = (source: string, parts: string[]) =>
  `${source}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32)}`;

/** What becomes of a Slack request (switchboard_events_total{topic="slack"}), served as 0 from start-up. */
export const SLACK_OUTCOMES = ['ok', 'duplicate', 'explained', 'ignored', 'refused', 'rejected'] as const;

export async function registerSlackRoutes(app: FastifyInstance, options: SlackRouteOptions): Promise<void> {
  const { signingSecret, actions, identities, members, logger, metrics } = options;
  for (const outcome of SLACK_OUTCOMES) metrics.eventsTotal.inc({ topic: 'slack', outcome }, 0);

  /** True when the user may act; otherwise they are told so (ephemerally) and the refusal counted. */
  const mayAct = async (userId: string, channel: string): Promise<boolean> => {
    const verdict = await members.check(userId);
    if (verdict.ok) return true;
    metrics.eventsTotal.inc({ topic: 'slack', outcome: 'refused' });
    logger.warn({ userId, reason: verdict.reason }, 'Slack user may not act as an operator: refused');
    if (channel) await members.tellNotAllowed(channel, userId);
    return false;
  };
  const now = options.now ?? (() => Date.now() / 1000);
  const { once } = options;

  await app.register(async (scope) => {
    // Slack signs the exact bytes it sent: keep every body as the raw string.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    scope.addHook('preHandler', async (request, reply) => {
      const verdict = verifySlack(
        signingSecret,
        {
          timestamp: header(request.headers['x-slack-request-timestamp']),
          signature: header(request.headers['x-slack-signature']),
        },
        typeof request.body === 'string' ? request.body : '',
        now(),
      );
      if (!verdict.ok) {
        metrics.eventsTotal.inc({ topic: 'slack', outcome: 'rejected' });
        logger.warn({ path: request.url, reason: verdict.reason }, 'Slack request refused');
        return reply.code(401).send({ error: `Slack signature check failed: ${verdict.reason}` });
      }
    });

    scope.post('/slack/interactions', async (request, reply) => {
      const parsed = parseSlackAction(String(request.body));
      if ('error' in parsed) return reply.code(400).send({ error: parsed.error });
      if (parsed.actions.length === 0) return reply.code(200).send();
      const { spamChoice } = options;
      const asks = (actionId: string) => actionId === SLACK_ACTION_IDS.spam && spamChoice !== undefined;
      if (!parsed.channelId && parsed.actions.some((a) => asks(a.actionId)))
        return reply.code(400).send({ error: `${SLACK_ACTION_IDS.spam} without a channel: nowhere to ask how far` });
      if (!(await mayAct(parsed.userId, parsed.channelId))) return reply.code(200).send();
      for (const action of parsed.actions) {
        const scope = spamScopeOf(action.actionId);
        const name = scope ? 'spam' : SLACK_ACTIONS[action.actionId];
        // A digest line's Open thread; Send / Keep as note of a pending thread reply (value: its id).
        const change = name
          ? ACTIONS[name].change
          : action.actionId === SLACK_ACTION_IDS.openThread
            ? StatusChange.THREAD_OPENED
            : undefined;
        const choice = choiceOf(action.actionId);
        if (change === undefined && !choice) continue;
        const id = stableId('slack-action', [parsed.userId, action.actionTs, action.actionId, action.conversationId]);
        const handled = await once.run('slack', id, async () => {
          if (asks(action.actionId)) return spamChoice!.ask(parsed.channelId, parsed.userId, action.conversationId);
          const actor = await identities.slackUser(parsed.userId, parsed.userName);
          if (choice) {
            const where = { channel: parsed.channelId, userId: parsed.userId };
            await options.threadReplies.choose(action.conversationId, choice, actor, where);
            return;
          }
          await actions.act({
            conversationId: action.conversationId,
            change: change!,
            actor,
            eventId: id,
            ...(scope ? { scope } : {}),
          });
        });
        metrics.eventsTotal.inc({ topic: 'slack', outcome: handled ? 'ok' : 'duplicate' });
      }
      // Slack wants an empty 200 within 3 s; the notifier updates the message when conv.status has it.
      return reply.code(200).send();
    });

    scope.post('/slack/events', async (request, reply) => {
      let body: unknown;
      try {
        body = JSON.parse(String(request.body));
      } catch {
        return reply.code(400).send({ error: 'body is not JSON' });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return reply.code(400).send({ error: 'body is not a JSON object' });
      const envelope = body as { type?: unknown; challenge?: unknown; event_id?: unknown };
      if (envelope.type === 'url_verification')
        return reply.send({ challenge: typeof envelope.challenge === 'string' ? envelope.challenge : '' });
      if (envelope.type !== 'event_callback') return reply.code(200).send();
      const found = parseThreadReply(body);
      if (!found) return reply.code(200).send(); // not an operator's thread reply: bots, edits, top-level posts
      const { conversationId, listed } = await conversationOfThread(options, found.channel, found.threadTs);
      const id = stableId('slack-event', [
        typeof envelope.event_id === 'string' && envelope.event_id ? envelope.event_id : `${found.channel}:${found.ts}`,
      ]);
      if (!conversationId && listed > 1) {
        // A digest's thread: the reply names none of its conversations. Its writer is told so, privately, once.
        if (!(await mayAct(found.userId, found.channel))) return reply.code(200).send();
        const handled = await once.run('slack', id, () =>
          options.ephemeral.tell({
            channel: found.channel,
            user: found.userId,
            threadTs: found.threadTs,
            text: digestThreadText(listed),
          }),
        );
        metrics.eventsTotal.inc({ topic: 'slack', outcome: handled ? 'explained' : 'duplicate' });
        return reply.code(200).send();
      }
      if (!conversationId) {
        logger.info(
          { channel: found.channel, threadTs: found.threadTs },
          'thread reply not in a conversation’s or digest’s thread (an unknown message): ignored',
        );
        metrics.eventsTotal.inc({ topic: 'slack', outcome: 'ignored' });
        return reply.code(200).send();
      }
      if (!(await mayAct(found.userId, found.channel))) return reply.code(200).send();
      const handled = await once.run('slack', id, async () => {
        const actor = await identities.slackUser(found.userId);
        const text = slackPlainText(found.text).trim();
        const prefix = options.notePrefix.toLowerCase();
        if (text.toLowerCase().startsWith(prefix)) {
          await actions.act({
            conversationId,
            change: StatusChange.NOTE,
            actor,
            eventId: id,
            note: text.slice(prefix.length).trim(),
          });
        } else if (text) {
          await options.threadReplies.reply({
            conversationId,
            text,
            actor,
            eventId: id,
            channel: found.channel,
            threadTs: found.threadTs,
            userId: found.userId,
          });
        }
      });
      metrics.eventsTotal.inc({ topic: 'slack', outcome: handled ? 'ok' : 'duplicate' });
      return reply.code(200).send();
    });

    scope.setErrorHandler((err: Error, request, reply: FastifyReply) => {
      if (err instanceof StillWorking) return reply.code(503).header('retry-after', '1').send({ error: err.message });
      const status = (err as Error & { statusCode?: number }).statusCode;
      if (status && status < 500) return reply.code(status).send({ error: err.message });
      logger.error({ err: err.message, path: request.url }, 'Slack request failed');
      return reply.code(503).send({ error: 'could not record the action; try again' });
    });
  });
}

const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** A reply's conversation: its own root message, or a digest that lists only it; else how many a digest lists. */
async function conversationOfThread(
  options: SlackRouteOptions,
  channel: string,
  threadTs: string,
): Promise<{ conversationId?: string; listed: number }> {
  const own = await options.refs.conversationOfThread(channel, threadTs);
  if (own) return { conversationId: own, listed: 1 };
  const ids = await new DigestListings(options.redis, options.keys).conversationsOf(channel, threadTs);
  return ids.length === 1 ? { conversationId: ids[0], listed: 1 } : { listed: ids.length };
}
