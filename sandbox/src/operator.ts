// What a person does, from the page or a test: click a button in a message the bot posted (an ephemeral one
// too, as the user it was shown to), reply in a thread
// (each sent to the app signed, as Slack sends it), and complete or reopen an Asana task (as Asana's own UI
// would: the same story and webhook events as PUT /tasks/:gid {completed}). Each endpoint takes JSON, or a
// form from the page; a form post is answered with 303 back to the page.
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { taskChanges } from './asana/changes';
import { messageAnchor } from './page';
import type { SandboxSettings } from './settings';
import { buttonsIn, mentionsIn, withBlockIds } from './slack/blocks';
import type { SlackSender } from './slack/delivery';
import { messageJson } from './slack/methods';
import { blockActionsPayload, interactionBody, messageEventCallback, slackEscape } from './slack/payloads';
import { SANDBOX_OPERATOR_ID, slackPerson } from './slack/workspace';
import type { SandboxState, SlackDelivery, SlackEphemeral, SlackMessage } from './state';
import type { WebhookDispatcher } from './asana/webhooks';

export interface OperatorOptions {
  state: SandboxState;
  settings: SandboxSettings;
  sender: SlackSender;
  dispatcher: WebhookDispatcher;
}

interface ClickBody {
  channel: string;
  ts: string;
  actionId: string;
  value?: string;
  userId?: string;
}

interface ReplyBody {
  channel: string;
  threadTs: string;
  text: string;
  userId?: string;
}

/** A message a button can be clicked on: the channel's own, or an ephemeral one (only its user sees it). */
interface Clickable {
  channelId: string;
  ts: string;
  blocks?: unknown[];
  appId?: string;
  message?: SlackMessage;
  ephemeral?: SlackEphemeral;
}

const nonEmpty = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const userId = { type: 'string', pattern: '^[UW][A-Z0-9]{2,}$' } as const;

const clickSchema = {
  type: 'object',
  required: ['channel', 'ts', 'actionId'],
  additionalProperties: false,
  properties: {
    channel: nonEmpty(100),
    ts: nonEmpty(32),
    actionId: nonEmpty(255),
    value: { type: 'string', maxLength: 2000 },
    userId,
  },
} as const;

const replySchema = {
  type: 'object',
  required: ['channel', 'threadTs', 'text'],
  additionalProperties: false,
  properties: { channel: nonEmpty(100), threadTs: nonEmpty(32), text: nonEmpty(40000), userId },
} as const;

const completeSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { completed: { type: 'boolean', default: true } },
} as const;

/** A request the sandbox cannot carry out, answered {ok: false, error, detail} with its HTTP status. */
class Refused extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    detail: string,
  ) {
    super(detail);
  }
}

const fromPage = (request: FastifyRequest) =>
  request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ?? false;
const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

export async function operatorRoutes(
  app: FastifyInstance,
  { state, settings, sender, dispatcher }: OperatorOptions,
): Promise<void> {
  await app.register(formbody);
  const changes = taskChanges(state, dispatcher);

  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    if (error instanceof Refused)
      return reply.code(error.status).send({ ok: false, error: error.error, detail: error.message });
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    return reply
      .code(status)
      .send({ ok: false, error: status === 400 ? 'invalid_request' : 'internal_error', detail: error.message });
  });

  /** The message a click or reply is about; 404 when the channel has no message with that ts. */
  const messageAt = (channelRef: string, ts: string): SlackMessage => {
    const store = state.slack;
    const channel = store.channel(channelRef);
    const message = store.find(channel.id, ts);
    if (!message) throw new Refused(404, 'message_not_found', `no message with ts ${ts} in ${store.label(channel.id)}`);
    return message;
  };

  /**
   * What a click is on: a message of the channel, or an ephemeral message there that only `userId` sees (anyone
   * else gets 404, as nobody else could click it).
   */
  const clickable = (channelRef: string, ts: string, userId: string): Clickable => {
    const channel = state.slack.channel(channelRef);
    const message = state.slack.find(channel.id, ts);
    if (message) return { channelId: message.channelId, ts, blocks: message.blocks, appId: message.appId, message };
    const ephemeral = state.slack.ephemeral.find((m) => m.channelId === channel.id && m.ts === ts);
    if (ephemeral && ephemeral.userId !== userId)
      throw new Refused(404, 'message_not_found', `ephemeral message ${ts} is visible to ${ephemeral.userId} only`);
    if (ephemeral) return { ...ephemeral, ephemeral };
    throw new Refused(404, 'message_not_found', `no message with ts ${ts} in ${state.slack.label(channel.id)}`);
  };

  /** Where to send, or why not: a delivery that cannot happen is still recorded, so the page shows why. */
  const destination = (
    kind: SlackDelivery['kind'],
    url: string | null,
    urlSetting: string,
    message: Pick<SlackMessage, 'channelId' | 'ts'>,
    what: string,
  ) => {
    const secret = settings.slack.signingSecret;
    const record = state.slack.recordDelivery({
      kind,
      what,
      channelId: message.channelId,
      ts: message.ts,
      target: url,
      attempts: [],
      ok: null,
      at: new Date().toISOString(),
    });
    if (url && secret) return { url, secret, record };
    const missing = [url ? '' : urlSetting, secret ? '' : 'slack.signingSecret (SLACK_SIGNING_SECRET)']
      .filter(Boolean)
      .join(' and ');
    record.attempts.push('not_configured');
    record.ok = false;
    state.counters.slackDeliveries.inc('not_configured');
    throw new Refused(409, 'not_configured', `not sent: set ${missing}, at start or with POST /_sandbox/config`);
  };

  /** A form post goes back to the page, refused or not (the page shows what happened); JSON gets the answer. */
  const answer = async (request: FastifyRequest, reply: FastifyReply, anchor: string, act: () => Promise<object>) => {
    if (!fromPage(request)) return act();
    try {
      await act();
    } catch (error) {
      if (!(error instanceof Refused && error.error === 'not_configured')) throw error;
    }
    return reply.code(303).redirect(`/#${anchor}`);
  };

  app.post<{ Body: ClickBody }>('/_sandbox/slack/click', { schema: { body: clickSchema } }, async (request, reply) => {
    const { channel: channelRef, ts, actionId, value } = request.body;
    const person = slackPerson(request.body.userId ?? SANDBOX_OPERATOR_ID);
    const message = clickable(channelRef, ts, person.id);
    const buttons = buttonsIn(message.blocks);
    const button = buttons.find(
      (b) => b.actionId === actionId && (value === undefined || value === '' || b.value === value),
    );
    if (!button) {
      const offered =
        buttons.map((b) => `${b.actionId}${b.value !== undefined ? ` (value ${b.value})` : ''}`).join(', ') || 'none';
      throw new Refused(
        400,
        'button_not_found',
        `message ${ts} has no button with action_id "${actionId}"${value ? ` and value "${value}"` : ''}; its buttons: ${offered}`,
      );
    }
    return answer(request, reply, messageAnchor(message.channelId, message.ts), async () => {
      const { url, secret, record } = destination(
        'click',
        settings.slack.interactivityUrl,
        'slack.interactivityUrl (SANDBOX_SLACK_INTERACTIVITY_URL)',
        message,
        actionId,
      );
      const payload = blockActionsPayload({
        person,
        channel: state.slack.channel(message.channelId),
        message: message.message
          ? {
              ...messageJson(state.slack, message.message),
              ...(message.blocks ? { blocks: withBlockIds(message.blocks) } : {}),
            }
          : { ts: message.ts },
        ephemeral: message.ephemeral !== undefined,
        button,
        appId: message.appId ?? '',
        responseUrl: `${baseUrl(request)}/_sandbox/slack/response/${message.channelId}/${message.ts}`,
        actionTs: state.slack.nextTs(),
      });
      const attempt = await sender.click(url, secret, interactionBody(payload), record);
      return {
        ok: record.ok,
        status: attempt.status,
        body: attempt.body,
        ...(attempt.failure && attempt.status === null ? { error: attempt.failure } : {}),
      };
    });
  });

  app.post<{ Body: ReplyBody }>('/_sandbox/slack/reply', { schema: { body: replySchema } }, async (request, reply) => {
    const store = state.slack;
    const found = messageAt(request.body.channel, request.body.threadTs);
    // Replying to a reply joins the same thread, as in Slack.
    const rootTs = found.threadTs ?? found.ts;
    const root = store.find(found.channelId, rootTs);
    return answer(request, reply, messageAnchor(found.channelId, rootTs), async () => {
      const { url, secret, record } = destination(
        'reply',
        settings.slack.eventsUrl,
        'slack.eventsUrl (SANDBOX_SLACK_EVENTS_URL)',
        found,
        request.body.text.slice(0, 60),
      );
      const person = slackPerson(request.body.userId ?? SANDBOX_OPERATOR_ID);
      const text = slackEscape(request.body.text);
      const message: SlackMessage = {
        channelId: found.channelId,
        ts: store.nextTs(),
        threadTs: rootTs,
        text,
        userId: person.id,
        mentions: mentionsIn(text, undefined),
        history: [],
      };
      store.messages.push(message);
      record.ts = message.ts;
      const envelope = messageEventCallback({
        person,
        channelId: message.channelId,
        text,
        ts: message.ts,
        threadTs: rootTs,
        parentUserId: root?.userId ?? found.userId,
        appId: root?.appId ?? found.appId ?? '',
        botUserId: root?.botId ? root.userId : '',
      });
      const delivery = sender.event(url, secret, JSON.stringify(envelope), record);
      // The page does not wait for redeliveries; its log shows them as they happen.
      if (fromPage(request)) return { ok: null, ts: message.ts };
      const attempts = await delivery;
      return {
        ok: record.ok,
        ts: message.ts,
        status: attempts[attempts.length - 1].status,
        event_id: envelope.event_id,
        attempts: record.attempts,
      };
    });
  });

  // Where response_url points. Switchboard answers clicks with chat.update instead, so this is not modelled.
  app.post('/_sandbox/slack/response/:channel/:ts', async (_request, reply) =>
    reply.code(501).send({
      ok: false,
      error: 'not_supported',
      detail: 'the sandbox does not act on response_url; update the message with chat.update',
    }),
  );

  app.post<{ Params: { task_gid: string }; Body: { completed: boolean } }>(
    '/_sandbox/asana/tasks/:task_gid/complete',
    {
      schema: { body: completeSchema },
      // A bodiless POST means complete it.
      preValidation: async (request) => {
        request.body ??= { completed: true };
      },
    },
    async (request, reply) => {
      const gid = request.params.task_gid;
      const task = state.asana.task(gid);
      if (!task) throw new Refused(404, 'task_not_found', `no task ${gid}`);
      return answer(request, reply, `task-${task.gid}`, async () => {
        const person = slackPerson(SANDBOX_OPERATOR_ID);
        const actor = state.asana.userFor(`sandbox-operator:${person.id}`, {
          name: person.realName,
          email: person.email,
        });
        const now = new Date().toISOString();
        changes.setCompleted(task, actor, request.body.completed, now);
        task.modifiedAt = now;
        return { ok: true, gid: task.gid, completed: task.completed };
      });
    },
  );
}
