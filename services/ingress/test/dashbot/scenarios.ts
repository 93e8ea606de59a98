// Bots logging through Dashbot's real Node SDK (the `dashbot` devDependency), one scenario per platform
// and direction. The platform inputs are recorded payloads (a Slack RTM message, a Messenger webhook body,
// a Bot Framework activity, Dialogflow and Alexa requests); what reaches /track is the SDK's own output.
const createDashbot = require('dashbot') as (apiKey: string, config: Record<string, unknown>) => Dashbot;

interface Dashbot {
  universal: {
    logIncoming(data: unknown): Promise<unknown>;
    logOutgoing(data: unknown): Promise<unknown>;
    messageUtil: { messageWithText(userId: string, text: string, conversationId?: string): unknown };
  };
  slack: {
    logConnect(data: unknown): Promise<unknown>;
    logIncoming(bot: unknown, team: unknown, message: unknown): Promise<unknown>;
    logOutgoing(bot: unknown, team: unknown, message: unknown): Promise<unknown>;
    receive(bot: unknown, message: unknown, next: () => void): void;
  };
  facebook: {
    logIncoming(body: unknown): Promise<unknown>;
    logOutgoing(request: unknown, response: unknown): Promise<unknown>;
    log(body: unknown): Promise<unknown>;
  };
  microsoft: { logIncoming(activity: unknown): Promise<unknown>; logOutgoing(activity: unknown): Promise<unknown> };
  google: { logIncoming(requestBody: unknown): void; logOutgoing(requestBody: unknown, response: unknown): void };
  alexa: {
    logIncoming(event: unknown, context: unknown): Promise<unknown>;
    logOutgoing(event: unknown, response: unknown, context: unknown): Promise<unknown>;
  };
  generic: { logEvent(data: unknown): Promise<unknown> };
}

/** A Dashbot SDK client that sends to `serverRoot` + "/track" and hands back the HTTP responses. */
export type { Dashbot };
export const dashbotClient = (apiKey: string, serverRoot: string): Dashbot =>
  createDashbot(apiKey, { serverRoot, printErrors: true, timeout: 10000 });

// --- Slack: what rtm.start / rtm.connect returns, and RTM messages.
export const slackBot = { id: 'U0TRIAGEBOT', name: 'triagebot' };
export const slackTeam = { id: 'T0ACME', name: 'Acme', domain: 'acme' };
export const slackUserMessage = {
  type: 'message',
  channel: 'C0SUPPORT',
  user: 'U0ANN',
  text: 'I was charged twice, I want a refund',
  ts: '1764064800.000200',
  team: 'T0ACME',
  client_msg_id: '3f1c2e5a-9b1d-4c6e-8f00-1a2b3c4d5e6f',
};
export const slackThreadMessage = {
  type: 'message',
  channel: 'C0SUPPORT',
  user: 'U0ANN',
  text: 'still waiting for the refund',
  ts: '1764064860.000300',
  thread_ts: '1764064800.000200',
  team: 'T0ACME',
};
export const slackBotReply = {
  type: 'message',
  channel: 'C0SUPPORT',
  text: 'Sorry about that! A person will look at the refund.',
  thread_ts: '1764064800.000200',
};
export const slackTyping = { type: 'user_typing', channel: 'C0SUPPORT', user: 'U0ANN' };
/** Botkit's bot object: identity, team_info and the bot token in config, which the SDK forwards. */
export const botkitBot = {
  identity: { id: 'U0TRIAGEBOT', name: 'triagebot', prefs: { x: 1 } },
  team_info: { id: 'T0ACME', name: 'Acme', domain: 'acme' },
  config: { token: 'xoxb-botkit-secret-token' },
};
export const slackDirectMessage = {
  type: 'message',
  channel: 'D0ANNDM',
  user: 'U0ANN',
  text: 'hello bot',
  ts: '1764064900.000100',
  team: 'T0ACME',
};

// --- Messenger: a webhook body batching two entries (a message and a read receipt; a quick reply and a
// postback), an echo, and a Send API request with its response.
export const messengerWebhook = {
  object: 'page',
  entry: [
    {
      id: '1029384756',
      time: 1764064800100,
      messaging: [
        {
          sender: { id: '6543210987654321' },
          recipient: { id: '1029384756' },
          timestamp: 1764064800000,
          message: { mid: 'm_AbCdEf0123456789', text: 'My order never arrived' },
        },
        {
          sender: { id: '6543210987654321' },
          recipient: { id: '1029384756' },
          timestamp: 1764064800050,
          read: { watermark: 1764064799000 },
        },
      ],
    },
    {
      id: '1029384756',
      time: 1764064801100,
      messaging: [
        {
          sender: { id: '6543210987654321' },
          recipient: { id: '1029384756' },
          timestamp: 1764064801000,
          message: {
            mid: 'm_GhIjKl9876543210',
            text: 'Refund',
            quick_reply: { payload: 'REFUND' },
            attachments: [{ type: 'image', payload: { url: 'https://scontent.example/receipt.jpg' } }],
          },
        },
        {
          sender: { id: '7777000011112222' },
          recipient: { id: '1029384756' },
          timestamp: 1764064801500,
          postback: { title: 'Talk to a human', payload: 'HUMAN', mid: 'm_PostBack000111' },
        },
      ],
    },
  ],
};
export const messengerEcho = {
  object: 'page',
  entry: [
    {
      id: '1029384756',
      time: 1764064802100,
      messaging: [
        {
          sender: { id: '1029384756' },
          recipient: { id: '6543210987654321' },
          timestamp: 1764064802000,
          message: { is_echo: true, app_id: 1517776481860111, mid: 'm_EchoEcho000222', text: 'We are on it.' },
        },
      ],
    },
  ],
};
export const messengerSend = {
  url: 'https://graph.facebook.com/v2.6/me/messages',
  qs: { access_token: 'EAAB-page-token-secret' },
  method: 'POST',
  json: {
    dashbotTemplateId: 'right',
    recipient: { id: '6543210987654321' },
    message: {
      text: 'Sorry! Do you want a refund or a replacement?',
      quick_replies: [
        { content_type: 'text', title: 'Refund', payload: 'REFUND' },
        { content_type: 'text', title: 'Replacement', payload: 'REPLACE' },
      ],
    },
  },
};
export const messengerSendResponse = { recipient_id: '6543210987654321', message_id: 'm_SentByPage000333' };

// --- Bot Framework (recorded activities, as botbuilder's middleware hands them to the SDK).
export const botFrameworkIncoming = {
  type: 'message',
  id: 'f3a1b2c4d5',
  timestamp: '2026-11-25T10:00:00.000Z',
  channelId: 'msteams',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  from: { id: '29:1AnnTeamsId', name: 'Ann Lee', aadObjectId: 'a1b2' },
  conversation: { id: 'a:1TeamsConversation', conversationType: 'personal', tenantId: 'tenant-acme' },
  recipient: { id: '28:bot-app-id', name: 'triagebot' },
  text: 'Where is my invoice?',
  channelData: { tenant: { id: 'tenant-acme' } },
};
export const botFrameworkOutgoing = {
  type: 'message',
  timestamp: '2026-11-25T10:00:01.000Z',
  channelId: 'msteams',
  from: { id: '28:bot-app-id', name: 'triagebot' },
  conversation: { id: 'a:1TeamsConversation', tenantId: 'tenant-acme' },
  recipient: { id: '29:1AnnTeamsId', name: 'Ann Lee' },
  text: 'Here it is.',
  attachments: [
    { contentType: 'application/pdf', contentUrl: 'https://files.example/invoice-42.pdf', name: 'invoice-42.pdf' },
  ],
  suggestedActions: { actions: [{ type: 'imBack', title: 'Thanks', value: 'Thanks' }] },
};
export const botFrameworkTyping = {
  type: 'typing',
  conversation: { id: 'a:1TeamsConversation' },
  from: { id: '29:1AnnTeamsId' },
  recipient: { id: '28:bot-app-id' },
};

// --- Google: a Dialogflow v2 fulfillment request from the Assistant and its response.
export const dialogflowRequest = {
  responseId: 'resp-7d1e-4c2b',
  session: 'projects/acme-agent/agent/sessions/ABwppHG5',
  queryResult: {
    queryText: 'cancel my subscription',
    intent: { name: 'projects/acme-agent/agent/intents/9f8e', displayName: 'cancel.subscription' },
    languageCode: 'en',
  },
  originalDetectIntentRequest: {
    source: 'google',
    payload: {
      user: { userId: 'ABwppHFuser', profile: { displayName: 'Ann Lee' } },
      conversation: { conversationId: 'ABwppHG5conv', type: 'ACTIVE' },
      inputs: [{ intent: 'actions.intent.TEXT', rawInputs: [{ query: 'cancel my subscription' }] }],
    },
  },
};
export const dialogflowResponse = {
  fulfillmentText: 'Okay, cancelling.',
  payload: {
    google: {
      expectUserResponse: true,
      richResponse: {
        items: [
          { simpleResponse: { textToSpeech: 'Okay, cancelling. Anything else?', displayText: 'Okay, cancelling.' } },
        ],
      },
    },
  },
};

// --- Alexa: the SDK's own test request (intent with a slot) and a skill response.
export const alexaRequest = {
  version: '1.0',
  session: {
    new: false,
    sessionId: 'amzn1.echo-api.session.session',
    application: { applicationId: 'amzn1.ask.skill.application' },
    user: { userId: 'amzn1.ask.account.user' },
  },
  context: {
    System: {
      application: { applicationId: 'amzn1.ask.skill.foo' },
      user: { userId: 'amzn1.ask.account.bar' },
      device: { deviceId: 'amzn1.ask.device.device' },
      apiAccessToken: 'token',
    },
  },
  request: {
    type: 'IntentRequest',
    requestId: 'amzn1.echo-api.request.request',
    timestamp: '2019-10-10T10:10:10Z',
    locale: 'en-US',
    intent: {
      name: 'FindZipcode',
      confirmationStatus: 'NONE',
      slots: { zipcode: { name: 'zipcode', value: '94114', confirmationStatus: 'NONE' } },
    },
  },
};
export const alexaResponse = {
  version: '1.0',
  response: {
    outputSpeech: { type: 'SSML', ssml: '<speak>The weather in <emphasis>94114</emphasis> is sunny.</speak>' },
    shouldEndSession: false,
  },
};
export const alexaContext = { functionName: 'skill', awsRequestId: 'aws-1' };

export interface Scenario {
  name: string;
  /** Logs through the SDK, which makes one request to /track. */
  log: (dashbot: Dashbot) => Promise<unknown> | void;
}

/** Every way a bot logs through the SDK that /track records or ignores; run against a recorder or ingress. */
export const scenarios: Scenario[] = [
  {
    name: 'universal incoming',
    log: (d) =>
      d.universal.logIncoming({
        ...(d.universal.messageUtil.messageWithText('web-user-1', 'Hi, I need help', 'web-conv-1') as object),
        platformUserJson: { firstName: 'Ann', lastName: 'Lee' },
      }),
  },
  {
    name: 'universal outgoing',
    log: (d) =>
      d.universal.logOutgoing({
        text: 'How can I help?',
        userId: 'web-user-1',
        conversationId: 'web-conv-1',
        buttons: [{ label: 'Billing' }],
      }),
  },
  { name: 'slack incoming', log: (d) => d.slack.logIncoming(slackBot, slackTeam, slackUserMessage) },
  { name: 'slack incoming in a thread', log: (d) => d.slack.logIncoming(slackBot, slackTeam, slackThreadMessage) },
  { name: 'slack outgoing in the thread', log: (d) => d.slack.logOutgoing(slackBot, slackTeam, slackBotReply) },
  { name: 'slack botkit receive', log: (d) => d.slack.receive(botkitBot, slackDirectMessage, () => undefined) },
  { name: 'slack typing', log: (d) => d.slack.logIncoming(slackBot, slackTeam, slackTyping) },
  {
    name: 'slack connect',
    log: (d) => d.slack.logConnect({ ok: true, self: slackBot, team: slackTeam, url: 'wss://example/rtm' }),
  },
  { name: 'facebook incoming', log: (d) => d.facebook.logIncoming(messengerWebhook) },
  { name: 'facebook outgoing', log: (d) => d.facebook.logOutgoing(messengerSend, messengerSendResponse) },
  { name: 'facebook echo (type=all)', log: (d) => d.facebook.log(messengerEcho) },
  { name: 'microsoft incoming', log: (d) => d.microsoft.logIncoming(botFrameworkIncoming) },
  { name: 'microsoft outgoing', log: (d) => d.microsoft.logOutgoing(botFrameworkOutgoing) },
  { name: 'microsoft typing', log: (d) => d.microsoft.logIncoming(botFrameworkTyping) },
  { name: 'google incoming', log: (d) => d.google.logIncoming(dialogflowRequest) },
  { name: 'google outgoing', log: (d) => d.google.logOutgoing(dialogflowRequest, dialogflowResponse) },
  { name: 'alexa incoming', log: (d) => d.alexa.logIncoming(alexaRequest, alexaContext) },
  { name: 'alexa outgoing', log: (d) => d.alexa.logOutgoing(alexaRequest, alexaResponse, alexaContext) },
  {
    name: 'custom event',
    log: (d) => d.generic.logEvent({ type: 'customEvent', name: 'signup', userId: 'web-user-1' }),
  },
];
