// The OpenAPI description of POST /track: each platform's body as Dashbot's SDK sends it, what it maps to,
// and an example per platform. Served within /docs/json (openapi.ts).

const anyObject = { type: 'object', additionalProperties: true } as const;

/** Each platform's body: the fields the mapping reads, its mapping in the description, an example. */
const platforms = {
  universal: {
    description:
      'platform=universal, generic, webchat, sms, … or any name without a format of its own. conversation = conversationId, else userId; user = userId (name from platformUserJson); team from platformJson; id/messageId → event_id.',
    schema: {
      type: 'object',
      required: ['userId'],
      properties: {
        text: { type: 'string' },
        userId: { type: 'string' },
        conversationId: { type: 'string' },
        intent: { type: 'object', properties: { name: { type: 'string' } } },
        buttons: { type: 'array' },
        images: { type: 'array' },
        platformJson: anyObject,
        platformUserJson: anyObject,
        metadata: anyObject,
      },
    },
    example: {
      text: 'Hi, I need help',
      userId: 'web-user-1',
      conversationId: 'web-conv-1',
      platformUserJson: { firstName: 'Ann', lastName: 'Lee' },
    },
  },
  slack: {
    description:
      "platform=slack: dashbot.slack.logIncoming/logOutgoing(bot, team, message) and Botkit. conversation = message.channel, or channel:thread_ts in a thread; user = message.user (incoming); team = team; event_id = slack:<channel>:<ts>. Non-message events, housekeeping subtypes and the bot's own posts on incoming are ignored.",
    schema: {
      type: 'object',
      required: ['message'],
      properties: {
        team: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
        bot: { type: 'object', properties: { id: { type: 'string' } } },
        message: {
          type: 'object',
          required: ['channel'],
          properties: {
            type: { type: 'string' },
            channel: { type: 'string' },
            user: { type: 'string' },
            text: { type: 'string' },
            ts: { type: 'string' },
            thread_ts: { type: 'string' },
          },
        },
      },
    },
    example: {
      team: { id: 'T0ACME', name: 'Acme' },
      bot: { id: 'U0TRIAGEBOT' },
      message: {
        type: 'message',
        channel: 'C0SUPPORT',
        user: 'U0ANN',
        text: 'still waiting for the refund',
        ts: '1764064860.000300',
        thread_ts: '1764064800.000200',
      },
    },
  },
  facebookIncoming: {
    description:
      'platform=facebook, type=incoming|all: the Messenger webhook body (dashbot.facebook.logIncoming / log). One event per message or postback in any entry; conversation = user = sender.id (the PSID; recipient.id for echoes, recorded with type=all only); event_id = fb:<mid>. Delivery/read/optin notifications are ignored.',
    schema: {
      type: 'object',
      required: ['entry'],
      properties: {
        object: { type: 'string' },
        entry: {
          type: 'array',
          items: { type: 'object', properties: { messaging: { type: 'array', items: anyObject } } },
        },
      },
    },
    example: {
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
          ],
        },
      ],
    },
  },
  facebookOutgoing: {
    description:
      'platform=facebook, type=outgoing: the Send API request (dashbot.facebook.logOutgoing(request, responseBody)). conversation = user = json.recipient.id; text, quick replies and template buttons from json.message; event_id = fb:<responseBody.message_id>. sender_action alone is ignored; qs.access_token is never recorded.',
    schema: {
      type: 'object',
      required: ['json'],
      properties: {
        json: {
          type: 'object',
          required: ['recipient'],
          properties: {
            recipient: { type: 'object', properties: { id: { type: 'string' } } },
            message: anyObject,
            sender_action: { type: 'string' },
          },
        },
        responseBody: anyObject,
      },
    },
    example: {
      json: {
        recipient: { id: '6543210987654321' },
        message: {
          text: 'Refund or replacement?',
          quick_replies: [{ content_type: 'text', title: 'Refund', payload: 'REFUND' }],
        },
      },
      responseBody: { recipient_id: '6543210987654321', message_id: 'm_SentByPage000333' },
    },
  },
  microsoft: {
    description:
      'platform=microsoft: a Bot Framework activity (dashbot.microsoft.logIncoming/logOutgoing, middleware). conversation = conversation.id; user = from (incoming) or recipient (outgoing); team = Teams tenant; activities other than message are ignored.',
    schema: {
      type: 'object',
      required: ['type', 'conversation'],
      properties: {
        type: { type: 'string' },
        id: { type: 'string' },
        conversation: { type: 'object', properties: { id: { type: 'string' } } },
        from: anyObject,
        recipient: anyObject,
        text: { type: 'string' },
        attachments: { type: 'array' },
      },
    },
    example: {
      type: 'message',
      id: 'f3a1b2c4d5',
      channelId: 'msteams',
      conversation: { id: 'a:1TeamsConversation' },
      from: { id: '29:1AnnTeamsId', name: 'Ann Lee' },
      recipient: { id: '28:bot-app-id' },
      text: 'Where is my invoice?',
    },
  },
  google: {
    description:
      "platform=google: {dashbot_timestamp, request_body, message?} (dashbot.google.logIncoming/logOutgoing). conversation = the Assistant conversationId, else the Dialogflow session, else the Actions Builder session id; text = the query (incoming) or the response's simple responses / fulfillmentText (outgoing).",
    schema: {
      type: 'object',
      required: ['request_body'],
      properties: { dashbot_timestamp: { type: 'integer' }, request_body: anyObject, message: anyObject },
    },
    example: {
      dashbot_timestamp: 1764064800000,
      request_body: {
        responseId: 'resp-7d1e',
        session: 'projects/p/agent/sessions/S1',
        queryResult: { queryText: 'cancel my subscription', intent: { displayName: 'cancel.subscription' } },
      },
    },
  },
  alexa: {
    description:
      'platform=alexa: {dashbot_timestamp, event, context?, response?} (dashbot.alexa.logIncoming/logOutgoing, handler). conversation = event.session.sessionId; user = session.user.userId; text = intent and slot values (incoming) or the speech without SSML (outgoing). SessionEndedRequest is ignored.',
    schema: {
      type: 'object',
      required: ['event'],
      properties: { dashbot_timestamp: { type: 'integer' }, event: anyObject, response: anyObject },
    },
    example: {
      dashbot_timestamp: 1764064800000,
      event: {
        session: { sessionId: 'amzn1.echo-api.session.1', user: { userId: 'amzn1.ask.account.1' } },
        request: {
          type: 'IntentRequest',
          requestId: 'amzn1.echo-api.request.1',
          intent: { name: 'FindZipcode', slots: { zipcode: { name: 'zipcode', value: '94114' } } },
        },
      },
    },
  },
} as const;

const ignoredReply = {
  type: 'object',
  properties: {
    accepted: { type: 'integer', const: 0 },
    duplicates: { type: 'integer' },
    events: { type: 'array', maxItems: 0 },
    message: { type: 'string', description: 'nothing was recorded: why' },
    ignored: { type: 'array', items: { type: 'string' } },
  },
};

export function trackPath(responses: Record<string, unknown>) {
  return {
    post: {
      summary: "Dashbot-compatible tracking: the bodies Dashbot's SDKs send, per platform",
      description:
        "Point Dashbot's SDK at ingress (DASHBOT_SERVER_ROOT or serverRoot). The key goes in Authorization: Bearer (preferred) or the apiKey query parameter, as the SDK sends it; a key in a URL ends up in proxies' access logs, ingress never logs URLs. See docs/api.md for the full mapping.",
      security: [{ apiKey: [] }, {}],
      parameters: [
        {
          name: 'apiKey',
          in: 'query',
          description: 'The API key, when not sent as Authorization: Bearer',
          schema: { type: 'string' },
        },
        {
          name: 'type',
          in: 'query',
          required: true,
          description:
            'incoming → user, outgoing → bot, all → Messenger echo mode; connect and event are accepted and ignored',
          schema: { type: 'string', enum: ['incoming', 'outgoing', 'all', 'connect', 'event'] },
        },
        {
          name: 'platform',
          in: 'query',
          description:
            'slack, facebook, microsoft, google, alexa have formats of their own; any other name (universal by default) uses the universal format',
          schema: { type: 'string' },
        },
        { name: 'v', in: 'query', description: 'The SDK version; not used', schema: { type: 'string' } },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: { oneOf: Object.values(platforms).map((p) => ({ ...p.schema, description: p.description })) },
            examples: Object.fromEntries(
              Object.entries(platforms).map(([name, p]) => [
                name,
                { summary: p.description.split(':')[0], value: p.example },
              ]),
            ),
          },
        },
      },
      responses: {
        ...responses,
        '200': {
          description:
            'Nothing in the request is a message (type=connect or event, a typing indicator, a read receipt): nothing was recorded',
          content: { 'application/json': { schema: ignoredReply } },
        },
      },
    },
  };
}
