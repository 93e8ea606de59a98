// The JSON schema of POST /v1/events: one event or a batch. Validation happens at the edge, so a bad
// request is a 400 naming the field before anything reaches Kafka.

export const MAX_BATCH = 500;
export const MAX_TEXT_LENGTH = 40000;

export const MAX_HANDOFF_REASON = 500;
export const MAX_HANDOFF_SUMMARY = 4000;

/** The bot asks for a human: alone (POST /v1/conversations/:id/handoff) or on an event (`handoff`). */
export const handoffSchema = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: {
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_HANDOFF_REASON,
      description: 'Why the bot asks for a human, shown first to operators',
    },
    summary: { type: 'string', maxLength: MAX_HANDOFF_SUMMARY, description: 'What the conversation is about so far' },
    team: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: "The operators' team it should go to (a notifier route's team:)",
    },
    metadata: {
      type: 'object',
      maxProperties: 20,
      additionalProperties: { type: 'string', maxLength: 1024 },
      description: 'Context for the operator (order id, failed intents, ...)',
    },
  },
} as const;

/** The body of POST /v1/conversations/:id/handoff: the handoff, and an optional idempotency key. */
export const handoffRequestSchema = {
  $id: 'HandoffRequest',
  ...handoffSchema,
  properties: {
    ...handoffSchema.properties,
    event_id: {
      type: 'string',
      minLength: 1,
      maxLength: 128,
      description: 'Idempotency key, as on an event; a UUIDv7 is made when absent',
    },
  },
} as const;

export interface HandoffBody {
  reason: string;
  summary?: string;
  team?: string;
  metadata?: Record<string, string>;
}

const party = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 256 },
    name: { type: 'string', maxLength: 256 },
  },
} as const;

export const eventSchema = {
  $id: 'Event',
  type: 'object',
  required: ['conversation_id'],
  additionalProperties: false,
  properties: {
    event_id: {
      type: 'string',
      minLength: 1,
      maxLength: 128,
      description: "Idempotency key, per API key (another bot's ids never collide); a UUIDv7 is made when absent",
    },
    conversation_id: {
      type: 'string',
      minLength: 1,
      maxLength: 256,
      description:
        "The bot's conversation; per API key, so another bot's conversation of the same id is a different one",
    },
    platform: { type: 'string', maxLength: 64 },
    team: party,
    user: party,
    direction: { type: 'string', enum: ['user', 'bot'], default: 'user' },
    text: { type: 'string', maxLength: MAX_TEXT_LENGTH, default: '' },
    attachments: {
      type: 'array',
      maxItems: 20,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          type: { type: 'string', maxLength: 64 },
          url: { type: 'string', maxLength: 2048 },
          name: { type: 'string', maxLength: 256 },
        },
      },
    },
    buttons: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 256 } },
    intent: { type: 'string', maxLength: 256 },
    metadata: { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', maxLength: 1024 } },
    timestamp: { type: 'string', format: 'date-time', description: 'When the message was sent (RFC 3339)' },
    handoff: {
      ...handoffSchema,
      description:
        'The bot asks for a human: control becomes "waiting" until an operator takes over or the handoff times out',
    },
  },
} as const;

export const postEventsBody = {
  oneOf: [
    { $ref: 'Event#' },
    {
      type: 'object',
      required: ['events'],
      additionalProperties: false,
      properties: { events: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: { $ref: 'Event#' } } },
    },
  ],
} as const;

export interface EventBody {
  event_id?: string;
  conversation_id: string;
  platform?: string;
  team?: { id: string; name?: string };
  user?: { id: string; name?: string };
  direction?: 'user' | 'bot';
  text?: string;
  attachments?: { type?: string; url?: string; name?: string }[];
  buttons?: string[];
  intent?: string;
  metadata?: Record<string, string>;
  timestamp?: string;
  handoff?: HandoffBody;
}
