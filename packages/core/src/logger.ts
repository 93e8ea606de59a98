// Structured JSON logs (pino). Secrets are redacted by path so no token or signature ends in a log line;
// event-scoped children carry conversation_id and event_id on every line.
import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

const REDACTED_PATHS = [
  'token',
  'password',
  'secret',
  'apiKey',
  '*.token',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.accessToken',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-slack-signature"]',
  'req.headers["x-hook-signature"]',
  'req.headers["x-hook-secret"]',
  'req.headers["x-switchboard-signature"]',
  'headers.authorization',
  'config.*.token',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout when absent. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
}

export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A child logger for one event: every line it writes names the conversation and the event. */
export function eventLogger(logger: Logger, ids: { conversationId?: string; eventId?: string }): Logger {
  return logger.child({ conversation_id: ids.conversationId, event_id: ids.eventId });
}
