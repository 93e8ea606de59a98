// The /track mappings, table-tested on what Dashbot's real Node SDK sends (recorded by a stand-in tracker)
// for each platform and direction, plus the payloads that must be refused with a 400 naming what is missing.
import Ajv from 'ajv';
import { openApiDocument } from '../src/openapi';
import { trackToEvents, type TrackOutcome } from '../src/track/index';
import { BadRequest } from '../src/validate';
import { SdkRecorder } from './dashbot/recorder';
import { scenarios } from './dashbot/scenarios';

const slackMeta = { slack_channel: 'C0SUPPORT', slack_bot_id: 'U0TRIAGEBOT' };
const now = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);

/** What each SDK call must become: the events recorded and the parts ignored. */
const expected: Record<string, TrackOutcome> = {
  'universal incoming': {
    events: [
      {
        conversation_id: 'web-conv-1',
        platform: 'universal',
        user: { id: 'web-user-1', name: 'Ann Lee' },
        direction: 'user',
        text: 'Hi, I need help',
      },
    ],
    ignored: [],
  },
  'universal outgoing': {
    events: [
      {
        conversation_id: 'web-conv-1',
        platform: 'universal',
        user: { id: 'web-user-1' },
        direction: 'bot',
        text: 'How can I help?',
        buttons: ['Billing'],
      },
    ],
    ignored: [],
  },
  'slack incoming': {
    events: [
      {
        event_id: 'slack:C0SUPPORT:1764064800.000200',
        conversation_id: 'C0SUPPORT',
        platform: 'slack',
        team: { id: 'T0ACME', name: 'Acme' },
        user: { id: 'U0ANN' },
        direction: 'user',
        text: 'I was charged twice, I want a refund',
        timestamp: '2025-11-25T10:00:00.000Z',
        metadata: { ...slackMeta, slack_ts: '1764064800.000200' },
      },
    ],
    ignored: [],
  },
  'slack incoming in a thread': {
    events: [
      {
        event_id: 'slack:C0SUPPORT:1764064860.000300',
        conversation_id: 'C0SUPPORT:1764064800.000200',
        platform: 'slack',
        team: { id: 'T0ACME', name: 'Acme' },
        user: { id: 'U0ANN' },
        direction: 'user',
        text: 'still waiting for the refund',
        timestamp: '2025-11-25T10:01:00.000Z',
        metadata: { ...slackMeta, slack_thread_ts: '1764064800.000200', slack_ts: '1764064860.000300' },
      },
    ],
    ignored: [],
  },
  'slack outgoing in the thread': {
    events: [
      {
        conversation_id: 'C0SUPPORT:1764064800.000200',
        platform: 'slack',
        team: { id: 'T0ACME', name: 'Acme' },
        direction: 'bot',
        text: 'Sorry about that! A person will look at the refund.',
        metadata: { ...slackMeta, slack_thread_ts: '1764064800.000200' },
      },
    ],
    ignored: [],
  },
  'slack botkit receive': {
    events: [
      {
        event_id: 'slack:D0ANNDM:1764064900.000100',
        conversation_id: 'D0ANNDM',
        platform: 'slack',
        team: { id: 'T0ACME', name: 'Acme' },
        user: { id: 'U0ANN' },
        direction: 'user',
        text: 'hello bot',
        timestamp: '2025-11-25T10:01:40.000Z',
        metadata: { slack_channel: 'D0ANNDM', slack_ts: '1764064900.000100', slack_bot_id: 'U0TRIAGEBOT' },
      },
    ],
    ignored: [],
  },
  'slack typing': { events: [], ignored: ['a Slack "user_typing" event is not a message'] },
  'slack connect': { events: [], ignored: ['type=connect reports the bot connecting to its platform, not a message'] },
  'facebook incoming': {
    events: [
      {
        event_id: 'fb:m_AbCdEf0123456789',
        conversation_id: '6543210987654321',
        platform: 'facebook',
        user: { id: '6543210987654321' },
        direction: 'user',
        text: 'My order never arrived',
        timestamp: '2025-11-25T10:00:00.000Z',
        metadata: { facebook_page_id: '1029384756' },
      },
      {
        event_id: 'fb:m_GhIjKl9876543210',
        conversation_id: '6543210987654321',
        platform: 'facebook',
        user: { id: '6543210987654321' },
        direction: 'user',
        text: 'Refund',
        attachments: [{ type: 'image', url: 'https://scontent.example/receipt.jpg' }],
        timestamp: '2025-11-25T10:00:01.000Z',
        metadata: { facebook_page_id: '1029384756', quick_reply_payload: 'REFUND' },
      },
      {
        event_id: 'fb:m_PostBack000111',
        conversation_id: '7777000011112222',
        platform: 'facebook',
        user: { id: '7777000011112222' },
        direction: 'user',
        text: 'Talk to a human',
        timestamp: '2025-11-25T10:00:01.500Z',
        metadata: { facebook_page_id: '1029384756', postback_payload: 'HUMAN' },
      },
    ],
    ignored: ['entry[0].messaging[1] is a Messenger "read" notification, not a message'],
  },
  'facebook outgoing': {
    events: [
      {
        event_id: 'fb:m_SentByPage000333',
        conversation_id: '6543210987654321',
        platform: 'facebook',
        user: { id: '6543210987654321' },
        direction: 'bot',
        text: 'Sorry! Do you want a refund or a replacement?',
        buttons: ['Refund', 'Replacement'],
        metadata: { dashbot_template_id: 'right' },
      },
    ],
    ignored: [],
  },
  'facebook echo (type=all)': {
    events: [
      {
        event_id: 'fb:m_EchoEcho000222',
        conversation_id: '6543210987654321',
        platform: 'facebook',
        user: { id: '6543210987654321' },
        direction: 'bot',
        text: 'We are on it.',
        timestamp: '2025-11-25T10:00:02.000Z',
        metadata: { facebook_page_id: '1029384756' },
      },
    ],
    ignored: [],
  },
  'microsoft incoming': {
    events: [
      {
        event_id: 'ms:a:1TeamsConversation:f3a1b2c4d5:incoming',
        conversation_id: 'a:1TeamsConversation',
        platform: 'microsoft',
        team: { id: 'tenant-acme' },
        user: { id: '29:1AnnTeamsId', name: 'Ann Lee' },
        direction: 'user',
        text: 'Where is my invoice?',
        timestamp: '2026-11-25T10:00:00.000Z',
        metadata: { bot_framework_channel: 'msteams' },
      },
    ],
    ignored: [],
  },
  'microsoft outgoing': {
    events: [
      {
        conversation_id: 'a:1TeamsConversation',
        platform: 'microsoft',
        team: { id: 'tenant-acme' },
        user: { id: '29:1AnnTeamsId', name: 'Ann Lee' },
        direction: 'bot',
        text: 'Here it is.',
        attachments: [{ type: 'application/pdf', url: 'https://files.example/invoice-42.pdf', name: 'invoice-42.pdf' }],
        buttons: ['Thanks'],
        timestamp: '2026-11-25T10:00:01.000Z',
        metadata: { bot_framework_channel: 'msteams' },
      },
    ],
    ignored: [],
  },
  'microsoft typing': { events: [], ignored: ['a Bot Framework "typing" activity is not a message'] },
  'google incoming': {
    events: [
      {
        event_id: 'google:resp-7d1e-4c2b:incoming',
        conversation_id: 'ABwppHG5conv',
        platform: 'google',
        user: { id: 'ABwppHFuser', name: 'Ann Lee' },
        direction: 'user',
        text: 'cancel my subscription',
        intent: 'cancel.subscription',
        timestamp: now,
      },
    ],
    ignored: [],
  },
  'google outgoing': {
    events: [
      {
        event_id: 'google:resp-7d1e-4c2b:outgoing',
        conversation_id: 'ABwppHG5conv',
        platform: 'google',
        user: { id: 'ABwppHFuser', name: 'Ann Lee' },
        direction: 'bot',
        text: 'Okay, cancelling.',
        timestamp: now,
      },
    ],
    ignored: [],
  },
  'alexa incoming': {
    events: [
      {
        event_id: 'alexa:amzn1.echo-api.request.request:incoming',
        conversation_id: 'amzn1.echo-api.session.session',
        platform: 'alexa',
        user: { id: 'amzn1.ask.account.user' },
        direction: 'user',
        text: 'FindZipcode (zipcode: 94114)',
        intent: 'FindZipcode',
        timestamp: '2019-10-10T10:10:10.000Z',
        metadata: { alexa_request_type: 'IntentRequest', alexa_application_id: 'amzn1.ask.skill.foo' },
      },
    ],
    ignored: [],
  },
  'alexa outgoing': {
    events: [
      {
        event_id: 'alexa:amzn1.echo-api.request.request:outgoing',
        conversation_id: 'amzn1.echo-api.session.session',
        platform: 'alexa',
        user: { id: 'amzn1.ask.account.user' },
        direction: 'bot',
        text: 'The weather in 94114 is sunny.',
        timestamp: now,
        metadata: { alexa_request_type: 'IntentRequest', alexa_application_id: 'amzn1.ask.skill.foo' },
      },
    ],
    ignored: [],
  },
  'custom event': {
    events: [],
    ignored: ['type=event (custom, page-launch, share and revenue events) is not a message'],
  },
};

describe("trackToEvents on the Dashbot SDK's own requests", () => {
  const recorder = new SdkRecorder();
  beforeAll(() => recorder.start());
  afterAll(() => recorder.stop());

  it('covers every scenario the SDK is driven through', () => {
    expect(scenarios.map((s) => s.name).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('maps %s', async (name, scenario) => {
    const request = await recorder.record(scenario);
    expect(request.path).toBe('/track');
    expect(request.query).toMatchObject({ apiKey: 'recorder-key-0123456789', v: expect.stringMatching(/^12\.1\.0-/) });
    expect(trackToEvents(request.query, request.body)).toEqual(expected[name]);
  });

  it('keeps the tokens the SDK forwards (Botkit bot token, page access token) out of every event', async () => {
    const botkit = await recorder.record(scenarios.find((s) => s.name === 'slack botkit receive')!);
    const send = await recorder.record(scenarios.find((s) => s.name === 'facebook outgoing')!);
    expect(JSON.stringify(botkit.body)).toContain('xoxb-botkit-secret-token');
    expect(JSON.stringify(send.body)).toContain('EAAB-page-token-secret');
    expect(JSON.stringify(trackToEvents(botkit.query, botkit.body))).not.toContain('secret');
    expect(JSON.stringify(trackToEvents(send.query, send.body))).not.toContain('secret');
  });
});

describe('trackToEvents on payloads it does not understand', () => {
  it.each([
    [{ platform: 'universal' }, { userId: 'U1' }, 'query parameter type is required'],
    [{ type: 'sideways' }, { userId: 'U1' }, 'type must be incoming or outgoing'],
    [{ type: 'all', platform: 'slack' }, {}, 'type=all is only for platform=facebook'],
    [{ type: 'incoming' }, { text: 'x' }, 'userId is required'],
    [{ type: 'incoming', platform: 'kik' }, { messages: [] }, 'platform "kik" has no format of its own here'],
    [{ type: 'incoming' }, [], 'body must be a JSON object'],
    [{ type: 'incoming' }, { userId: 'U1', text: 5 }, 'text must be a string'],
    [{ type: 'incoming', platform: 'slack' }, { team: { id: 'T1' }, bot: { id: 'B1' } }, 'message is required'],
    [
      { type: 'incoming', platform: 'slack' },
      { message: { type: 'message', user: 'U1', text: 'hi' } },
      'message.channel is required',
    ],
    [
      { type: 'incoming', platform: 'slack' },
      { message: { type: 'message', channel: 'C1', text: 'hi' } },
      'message.user is required',
    ],
    [{ type: 'incoming', platform: 'facebook' }, { object: 'page' }, 'entry is required'],
    [
      { type: 'incoming', platform: 'facebook' },
      { entry: [{ messaging: [{ message: { text: 'hi' } }] }] },
      'entry[0].messaging[0].sender.id is required',
    ],
    [
      { type: 'outgoing', platform: 'facebook' },
      { recipient: { id: '1' }, message: { text: 'hi' } },
      'json is required: the Send API request body',
    ],
    [
      { type: 'outgoing', platform: 'facebook' },
      { json: { message: { text: 'hi' } } },
      'json.recipient.id is required',
    ],
    [{ type: 'incoming', platform: 'microsoft' }, { text: 'hi' }, 'type is required: the Bot Framework activity type'],
    [
      { type: 'incoming', platform: 'microsoft' },
      { type: 'message', from: { id: 'u' }, text: 'hi' },
      'conversation.id is required',
    ],
    [
      { type: 'outgoing', platform: 'microsoft' },
      { type: 'message', conversation: { id: 'c' }, text: 'hi' },
      'recipient.id is required',
    ],
    [{ type: 'incoming', platform: 'google' }, { dashbot_timestamp: 1 }, 'request_body is required'],
    [
      { type: 'incoming', platform: 'google' },
      { request_body: { queryResult: { queryText: 'hi' } } },
      'request_body.session (Dialogflow v2)',
    ],
    [{ type: 'incoming', platform: 'alexa' }, { dashbot_timestamp: 1 }, 'event is required'],
    [
      { type: 'incoming', platform: 'alexa' },
      { event: { request: { type: 'IntentRequest' } } },
      'event.session.sessionId is required',
    ],
  ])('refuses %j %j', (query, body, message) => {
    expect(() => trackToEvents(query, body)).toThrow(BadRequest);
    expect(() => trackToEvents(query, body)).toThrow(message);
  });

  it('ignores, with the reason, what is valid but not a message', () => {
    expect(
      trackToEvents(
        { type: 'incoming', platform: 'facebook' },
        {
          object: 'page',
          entry: [{ messaging: [{ sender: { id: '1' }, recipient: { id: '2' }, delivery: { mids: ['m'] } }] }],
        },
      ),
    ).toEqual({
      events: [],
      ignored: ['entry[0].messaging[0] is a Messenger "delivery" notification, not a message'],
    });
    expect(
      trackToEvents(
        { type: 'outgoing', platform: 'facebook' },
        { json: { recipient: { id: '1' }, sender_action: 'typing_on' } },
      ).ignored,
    ).toEqual(['a Send API sender_action "typing_on" is not a message']);
    expect(
      trackToEvents(
        { type: 'incoming', platform: 'facebook' },
        {
          object: 'page',
          entry: [
            { messaging: [{ sender: { id: '2' }, recipient: { id: '1' }, message: { is_echo: true, text: 'x' } }] },
          ],
        },
      ).ignored[0],
    ).toContain('send type=all to record echoes');
    expect(
      trackToEvents(
        { type: 'incoming', platform: 'slack' },
        { bot: { id: 'U0BOT' }, message: { type: 'message', channel: 'C1', user: 'U0BOT', text: 'my own post' } },
      ).ignored[0],
    ).toContain('written by the bot itself');
    expect(
      trackToEvents(
        { type: 'incoming', platform: 'slack' },
        { message: { type: 'message', subtype: 'message_changed', channel: 'C1' } },
      ).ignored[0],
    ).toContain('"message_changed"');
    expect(
      trackToEvents(
        { type: 'incoming', platform: 'slack' },
        {
          bot: { id: 'U0BOT' },
          message: { type: 'message', subtype: 'bot_message', channel: 'C1', bot_id: 'B0OTHER', text: 'deploy done' },
        },
      ).ignored,
    ).toEqual(['an incoming Slack message from a bot (bot_id B0OTHER) has no user to record it for']);
    expect(
      trackToEvents(
        { type: 'incoming', platform: 'alexa' },
        { event: { session: { sessionId: 's' }, request: { type: 'SessionEndedRequest' } } },
      ).ignored[0],
    ).toContain('SessionEndedRequest');
  });

  it('hashes a platform message id too long for an event_id, the same way every time', () => {
    const mid = `m_${'x'.repeat(200)}`;
    const body = {
      object: 'page',
      entry: [{ messaging: [{ sender: { id: '1' }, recipient: { id: '2' }, message: { mid, text: 'hi' } }] }],
    };
    const [a] = trackToEvents({ type: 'incoming', platform: 'facebook' }, body).events;
    const [b] = trackToEvents({ type: 'incoming', platform: 'facebook' }, body).events;
    expect(a.event_id).toMatch(/^fb:sha256:[0-9a-f]{64}$/);
    expect(b.event_id).toBe(a.event_id);
  });

  it('maps the other Assistant request shapes: Actions SDK v2 and Actions Builder', () => {
    const actionsSdk = {
      user: { userId: 'u9' },
      conversation: { conversationId: 'conv9' },
      inputs: [{ intent: 'actions.intent.TEXT', rawInputs: [{ query: 'talk to a person' }] }],
    };
    expect(
      trackToEvents(
        { type: 'incoming', platform: 'google' },
        { dashbot_timestamp: 1764064800000, request_body: actionsSdk },
      ).events[0],
    ).toEqual({
      conversation_id: 'conv9',
      platform: 'google',
      user: { id: 'u9' },
      direction: 'user',
      text: 'talk to a person',
      intent: 'actions.intent.TEXT',
      timestamp: '2025-11-25T10:00:00.000Z',
    });
    const reply = {
      expectUserResponse: true,
      expectedInputs: [
        { inputPrompt: { richInitialPrompt: { items: [{ simpleResponse: { textToSpeech: 'Connecting you.' } }] } } },
      ],
    };
    expect(
      trackToEvents({ type: 'outgoing', platform: 'google' }, { request_body: actionsSdk, message: reply }).events[0]
        .text,
    ).toBe('Connecting you.');
    const builder = {
      request: {
        handler: { name: 'main' },
        intent: { name: 'actions.intent.MAIN', query: 'Talk to Acme' },
        session: { id: 'sess-1' },
      },
      fulfillmentLib: '@assistant/conversation',
    };
    const builderReply = {
      response: { status: 200, body: { prompt: { firstSimple: { speech: 'Hi!', text: 'Hi there!' } } } },
      fulfillmentLib: '@assistant/conversation',
    };
    expect(trackToEvents({ type: 'incoming', platform: 'google' }, { request_body: builder }).events[0]).toMatchObject({
      conversation_id: 'sess-1',
      text: 'Talk to Acme',
      intent: 'actions.intent.MAIN',
    });
    expect(
      trackToEvents({ type: 'outgoing', platform: 'google' }, { request_body: builder, message: builderReply })
        .events[0],
    ).toMatchObject({ conversation_id: 'sess-1', text: 'Hi there!', direction: 'bot' });
  });
});

describe('the OpenAPI examples of /track', () => {
  const content = openApiDocument.paths['/track'].post.requestBody.content['application/json'];
  const queries: Record<string, { platform: string; type: string }> = {
    universal: { platform: 'universal', type: 'incoming' },
    slack: { platform: 'slack', type: 'incoming' },
    facebookIncoming: { platform: 'facebook', type: 'incoming' },
    facebookOutgoing: { platform: 'facebook', type: 'outgoing' },
    microsoft: { platform: 'microsoft', type: 'incoming' },
    google: { platform: 'google', type: 'incoming' },
    alexa: { platform: 'alexa', type: 'incoming' },
  };

  it.each(Object.entries(content.examples))('%s matches its schema and maps to one event', (name, example) => {
    const ajv = new Ajv({ strict: false });
    const index = Object.keys(content.examples).indexOf(name);
    expect(ajv.validate(content.schema.oneOf[index], example.value)).toBe(true);
    const outcome = trackToEvents(queries[name], example.value);
    expect(outcome.ignored).toEqual([]);
    expect(outcome.events).toHaveLength(1);
  });
});
