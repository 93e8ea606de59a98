// The sandbox server: the Slack and Asana stand-ins, fault injection, the page, the /_sandbox endpoints
// that show what the stand-ins were sent and change how they behave at run time, and the operator's
// actions (/_sandbox/slack/click, /_sandbox/slack/reply, /_sandbox/asana/tasks/:gid/complete).
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { ASANA_PREFIX, asanaApi } from './asana/api';
import { FaultInjector, registerFaultRoutes } from './faults';
import { operatorRoutes } from './operator';
import { asanaPersonRoutes } from './asana/person-routes';
import { renderLive, renderPage } from './page';
import { type SandboxOptions, SandboxSettings } from './settings';
import { SLACK_PREFIX, slackApi } from './slack/api';
import { SlackSender } from './slack/delivery';
import { type AsanaTask, SandboxState, type SlackMessage } from './state';
import { WebhookDispatcher } from './asana/webhooks';

export interface Sandbox {
  app: FastifyInstance;
  state: SandboxState;
  settings: SandboxSettings;
  faults: FaultInjector;
  /** Forgets every message, task, webhook, counter and fault; settings stay. */
  reset(): void;
}

const stringList = { type: 'array', items: { type: 'string' } } as const;
const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    slack: {
      type: 'object',
      additionalProperties: false,
      properties: {
        postMessagePerSecond: { type: ['number', 'null'] },
        burst: { type: ['number', 'null'] },
        tierLimits: { type: 'boolean' },
        invalidTokens: stringList,
        missingChannels: stringList,
        missingUsers: stringList,
        interactivityUrl: { type: ['string', 'null'], pattern: '^(https?://.+)?$' },
        eventsUrl: { type: ['string', 'null'], pattern: '^(https?://.+)?$' },
        signingSecret: { type: ['string', 'null'] },
        eventRetryDelaysMs: { type: 'array', maxItems: 3, items: { type: 'number', minimum: 0 } },
        deliveryTimeoutMs: { type: 'number', exclusiveMinimum: 0 },
        postMessageLatencyMs: { type: 'number', minimum: 0, maximum: 60000 },
      },
    },
    asana: {
      type: 'object',
      additionalProperties: false,
      properties: {
        requestsPerMinute: { type: ['number', 'null'] },
        searchPerMinute: { type: ['number', 'null'] },
        invalidTokens: stringList,
        webhookRetryDelaysMs: { type: 'array', items: { type: 'number', minimum: 0 } },
        handshakeTimeoutMs: { type: 'number', exclusiveMinimum: 0 },
        searchAvailable: { type: 'boolean' },
        searchLagSeconds: { type: 'number', minimum: 0 },
        createAnswerDelayMs: { type: 'number', minimum: 0 },
      },
    },
    vendorLimits: { type: 'boolean' },
  },
} as const;

/** A message as the sandbox shows it: `channel` is '#name' when it was addressed by name, else its id. */
function messageView(state: SandboxState, m: SlackMessage) {
  return {
    channel: state.slack.label(m.channelId),
    channel_id: m.channelId,
    ts: m.ts,
    ...(m.threadTs ? { thread_ts: m.threadTs } : { reply_count: state.slack.repliesTo(m.channelId, m.ts).length }),
    text: m.text,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
    bot_id: m.botId,
    user: m.userId,
    app_id: m.appId,
    mentions: m.mentions,
    unfurl_links: m.unfurlLinks,
    unfurl_media: m.unfurlMedia,
    reply_broadcast: m.replyBroadcast,
    metadata: m.metadata,
    edited: m.edited,
    edits: m.history.length,
    history: m.history,
  };
}

function taskView(state: SandboxState, t: AsanaTask) {
  const store = state.asana;
  return {
    gid: t.gid,
    name: t.name,
    notes: t.notes,
    html_notes: t.htmlNotes,
    completed: t.completed,
    completed_at: t.completedAt,
    external: t.external ?? undefined,
    assignee: t.assigneeGid,
    assignee_email: t.assigneeGid ? (store.users.get(t.assigneeGid)?.email ?? null) : null,
    workspace: t.workspaceGid,
    projects: t.memberships.map((m) => m.projectGid),
    memberships: t.memberships.map((m) => ({ project: m.projectGid, section: m.sectionGid })),
    tags: t.tagGids.map((gid) => ({ gid, name: store.tags.get(gid)?.name ?? '' })),
    custom_fields: t.customFields,
    created_at: t.createdAt,
    modified_at: t.modifiedAt,
    stories: store.storiesOf(t.gid).map((s) => ({
      gid: s.gid,
      type: s.type,
      resource_subtype: s.subtype,
      text: s.text,
      created_at: s.createdAt,
      created_by: s.createdByGid,
    })),
  };
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const settings = new SandboxSettings(options);
  const state = new SandboxState({ projectGid: settings.asana.projectGid, workspaceGid: settings.asana.workspaceGid });
  const faults = new FaultInjector();
  const dispatcher = new WebhookDispatcher(state, settings.asana);
  const sender = new SlackSender(state, settings.slack);
  // Unknown fields in /_sandbox bodies are refused rather than silently dropped.
  const app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false } } });

  const reset = () => {
    dispatcher.stop();
    sender.stop();
    faults.clear();
    state.reset();
    settings.resetLimits();
  };

  app.register(slackApi, { prefix: SLACK_PREFIX, state, settings: settings.slack, faults });
  app.register(asanaApi, { prefix: ASANA_PREFIX, state, settings: settings.asana, faults, dispatcher });
  app.register(operatorRoutes, { state, settings, sender, dispatcher });
  app.register(asanaPersonRoutes, { state, dispatcher });
  registerFaultRoutes(app, faults, state);
  app.addHook('onClose', async () => {
    dispatcher.stop();
    sender.stop();
  });

  app.get<{ Querystring: { fragment?: string } }>('/', async (request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(request.query.fragment ? renderLive(state, settings.slack) : renderPage(state, settings.slack)),
  );
  // Where permalinks lead: the message or task on the page.
  app.get<{ Params: { channel: string; p: string } }>('/slack/archives/:channel/:p', async (request, reply) => {
    const ts = request.params.p.replace(/^p(\d+)(\d{6})$/, '$1-$2');
    return reply.redirect(`/#msg-${request.params.channel}-${ts}`);
  });
  app.get<{ Params: { project: string; task: string } }>('/asana/0/:project/:task', async (request, reply) =>
    reply.redirect(`/#task-${request.params.task}`),
  );

  app.get<{ Querystring: { channel?: string } }>('/_sandbox/slack/messages', async (request) => {
    const wanted = request.query.channel;
    const channelId = wanted ? state.slack.channel(wanted).id : undefined;
    return state.slack.messages
      .filter((m) => !channelId || m.channelId === channelId)
      .map((m) => messageView(state, m));
  });
  app.get('/_sandbox/slack/ephemeral', async () => state.slack.ephemeral);
  app.get('/_sandbox/asana/tasks', async () => [...state.asana.tasks.values()].map((t) => taskView(state, t)));
  app.get('/_sandbox/state', async () => ({
    ...state.counters.snapshot(),
    sizes: {
      slackMessages: state.slack.messages.length,
      asanaTasks: state.asana.tasks.size,
      asanaStories: state.asana.stories.length,
      asanaTags: state.asana.tags.size,
      asanaWebhooks: state.asana.webhooks.size,
    },
    duplicateExternalGids: state.asana.duplicateExternalGids(),
    activeFaults: faults.active(),
    config: settings.view(),
  }));
  app.post('/_sandbox/reset', async () => {
    reset();
    return { ok: true };
  });
  app.get('/_sandbox/config', async () => settings.view());
  // Changes what is given and leaves the rest; PATCH says so, POST is kept for the callers that use it.
  for (const method of ['POST', 'PATCH'] as const) {
    app.route<{ Body: SandboxOptions }>({
      method,
      url: '/_sandbox/config',
      schema: { body: configSchema },
      handler: async (request) => {
        settings.apply(request.body);
        return settings.view();
      },
    });
  }

  return { app, state, settings, faults, reset };
}

export interface StartOptions extends SandboxOptions {
  /** 0 picks a free port (tests). Default 8090. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface RunningSandbox extends Sandbox {
  /** http://host:port, no trailing slash. */
  url: string;
  /** For new WebClient(token, { slackApiUrl }) — ends with '/'. */
  slackApiUrl: string;
  /** For the asana client's ApiClient.basePath — no trailing slash. */
  asanaBaseUrl: string;
  close(): Promise<void>;
}

export async function startSandbox({
  port = 8090,
  host = '127.0.0.1',
  ...options
}: StartOptions = {}): Promise<RunningSandbox> {
  const sandbox = createSandbox(options);
  await sandbox.app.listen({ port, host });
  const address = sandbox.app.server.address() as AddressInfo;
  const reachable =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${reachable}:${address.port}`;
  return {
    ...sandbox,
    url,
    slackApiUrl: `${url}${SLACK_PREFIX}/`,
    asanaBaseUrl: `${url}${ASANA_PREFIX}`,
    close: () => sandbox.app.close(),
  };
}
