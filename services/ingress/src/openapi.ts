// The OpenAPI 3.1 document served at /docs/json, built from the same schemas the routes validate with.
import { MAX_BATCH, eventSchema } from './schema';
import { trackPath } from './track/openapi';

const errorBody = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string', description: 'What is wrong, naming the field' } },
};

const accepted = {
  type: 'object',
  properties: {
    accepted: { type: 'integer', description: 'New events, durably in Kafka' },
    duplicates: { type: 'integer', description: 'Events whose event_id was accepted before' },
    events: {
      type: 'array',
      items: { type: 'object', properties: { event_id: { type: 'string' }, conversation_id: { type: 'string' }, duplicate: { type: 'boolean' } } },
    },
    ignored: { type: 'array', items: { type: 'string' }, description: '/track only: parts of the payload that are not messages, and why they were not recorded' },
    control: {
      description: 'Who holds the conversation: "human" while an operator has taken over (the bot should stay silent). For a batch, an object by conversation id.',
      oneOf: [{ type: 'string', enum: ['bot', 'human', 'unknown'] }, { type: 'object', additionalProperties: { type: 'string', enum: ['bot', 'human', 'unknown'] } }],
    },
  },
};

const responses = {
  '202': { description: 'Accepted: every new event is in Kafka (acks=all)', content: { 'application/json': { schema: accepted } } },
  '400': { description: 'Bad input', content: { 'application/json': { schema: errorBody } } },
  '401': { description: 'Missing or unknown API key', content: { 'application/json': { schema: errorBody } } },
  '413': { description: `Body or batch too large (at most ${MAX_BATCH} events)`, content: { 'application/json': { schema: errorBody } } },
  '415': { description: 'Body is not application/json', content: { 'application/json': { schema: errorBody } } },
  '429': { description: 'Rate limit of this API key exceeded; see Retry-After', content: { 'application/json': { schema: errorBody } } },
  '503': { description: 'Not persisted (Kafka unavailable); retry with the same event_id after Retry-After', content: { 'application/json': { schema: errorBody } } },
};

const { $id: _id, ...event } = eventSchema;

export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Switchboard ingress', version: '1.0.0', description: 'Report chatbot conversations to Switchboard. See docs/api.md.' },
  components: {
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from INGRESS_API_KEYS' } },
    schemas: { Event: event, Error: errorBody, Accepted: accepted },
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
                  { type: 'object', required: ['events'], additionalProperties: false, properties: { events: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: { $ref: '#/components/schemas/Event' } } } },
                ],
              },
            },
          },
        },
        responses,
      },
    },
    '/track': trackPath(responses),
  },
};
