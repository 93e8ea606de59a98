// The OpenAPI 3.1 document served at /docs/json, built from the same schemas the routes validate with.
import { MAX_BATCH, eventSchema, handoffRequestSchema } from './schema';
import { trackPath } from './track/openapi';

const errorBody = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string' },
    message: { type: 'string', description: 'What is wrong, naming the field' },
  },
};

const accepted = {
  type: 'object',
  properties: {
    accepted: { type: 'integer', description: 'New events, durably in Kafka' },
    duplicates: { type: 'integer', description: 'Events whose event_id was accepted before' },
    events: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          event_id: { type: 'string' },
          conversation_id: { type: 'string' },
          duplicate: { type: 'boolean' },
        },
      },
    },
    ignored: {
      type: 'array',
      items: { type: 'string' },
      description: '/track only: parts of the payload that are not messages, and why they were not recorded',
    },
    control: {
      description:
        'Who holds the conversation: "human" while an operator has taken over (the bot should stay silent), "waiting" after the bot asked for a human and none took over yet (the bot should hold: "connecting you to a person"). For a batch, an object by conversation id.',
      oneOf: [
        { type: 'string', enum: ['bot', 'waiting', 'human', 'unknown'] },
        { type: 'object', additionalProperties: { type: 'string', enum: ['bot', 'waiting', 'human', 'unknown'] } },
      ],
    },
  },
};

const responses = {
  '202': {
    description: 'Accepted: every new event is in Kafka (acks=all)',
    content: { 'application/json': { schema: accepted } },
  },
  '400': { description: 'Bad input', content: { 'application/json': { schema: errorBody } } },
  '401': { description: 'Missing or unknown API key', content: { 'application/json': { schema: errorBody } } },
  '413': {
    description: `Body or batch too large (at most ${MAX_BATCH} events)`,
    content: { 'application/json': { schema: errorBody } },
  },
  '415': { description: 'Body is not application/json', content: { 'application/json': { schema: errorBody } } },
  '429': {
    description: 'Rate limit of this API key exceeded; see Retry-After',
    content: { 'application/json': { schema: errorBody } },
  },
  '503': {
    description: 'Not persisted (Kafka unavailable); retry with the same event_id after Retry-After',
    content: { 'application/json': { schema: errorBody } },
  },
};

const { $id: _id, ...event } = eventSchema;
const { $id: _hid, ...handoffRequest } = handoffRequestSchema;

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Switchboard ingress',
    version: '1.0.0',
    description: 'Report chatbot conversations to Switchboard. See docs/api.md.',
  },
  components: {
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from INGRESS_API_KEYS' } },
    schemas: { Event: event, HandoffRequest: handoffRequest, Error: errorBody, Accepted: accepted },
  },
  security: [{ apiKey: [] }],
  paths: {
    '/v1/events': {
      post: {
        summary: 'Report one event or a batch',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                oneOf: [
                  { $ref: '#/components/schemas/Event' },
                  {
                    type: 'object',
                    required: ['events'],
                    additionalProperties: false,
                    properties: {
                      events: {
                        type: 'array',
                        minItems: 1,
                        maxItems: MAX_BATCH,
                        items: { $ref: '#/components/schemas/Event' },
                      },
                    },
                  },
                ],
              },
            },
          },
        },
        responses,
      },
    },
    '/v1/conversations/{id}/handoff': {
      post: {
        summary: 'Ask for a human without a message',
        description:
          'Publishes an event with no text carrying the handoff (the same as an event with `handoff`). Control becomes "waiting"; an operator\'s Take over makes it "human"; with no operator within HANDOFF_TIMEOUT_SECONDS it goes back to "bot" and the bot webhook receives `handoff_timeout`.',
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            schema: { type: 'string', minLength: 1, maxLength: 256 },
            description: "The bot's conversation id",
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/HandoffRequest' },
              example: {
                reason: 'The user asked for an agent',
                summary: 'Wants a refund for order 1042; the refund intent failed twice',
                team: 'billing',
                metadata: { order: '1042' },
              },
            },
          },
        },
        responses: {
          ...responses,
          '202': {
            description: 'Accepted; control is "waiting" (or "human" when an operator already holds it)',
            content: {
              'application/json': {
                schema: accepted,
                example: {
                  accepted: 1,
                  duplicates: 0,
                  events: [{ event_id: '0190…', conversation_id: 'c-42', duplicate: false }],
                  control: 'waiting',
                },
              },
            },
          },
        },
      },
    },
    '/track': trackPath(responses),
  },
};
