// An example bot, to copy from: both sides of working with Switchboard, with nothing but Node's own
// modules (no Switchboard package), so a bot team in any codebase can read it as a recipe.
//
// 1. Report every message of a conversation to ingress (POST /v1/events with the bot's API key). The reply
//    says who holds the conversation: while `control` is "human" an operator has taken it over and the bot
//    stays silent.
// 2. Receive what operators write as the bot on a webhook (BOT_WEBHOOK_URL points here). Check the
//    signature before anything else, refuse stale requests, handle each event id once, and pass the text to
//    the user on the bot's platform (here: kept in `received` and printed).
// 3. Ask for a human when the bot cannot help (here: the user types /human): POST
//    /v1/conversations/:id/handoff with a reason and a summary. Control is then "waiting": the bot holds
//    ("connecting you to a person") until an operator takes over ("human"), or no one did in time and the
//    webhook says `handoff_timeout` (the bot apologises and carries on). `handed_back` says an operator is done,
//    with their note.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface ExampleBotOptions {
  /** Ingress's base URL, e.g. http://localhost:8080 */
  ingressUrl: string;
  apiKey: string;
  /** BOT_WEBHOOK_SECRET, shared with the status service. */
  webhookSecret: string;
  port?: number;
  host?: string;
  /** What the bot answers a user with (while it is in control). */
  answer?: (text: string) => string;
  log?: (line: string) => void;
}

/** What the status service POSTs for each operator message. */
export interface OperatorMessage {
  type: 'operator_message';
  eventId: string;
  /** The API key name of the bot the conversation belongs to (one webhook may serve several bots). */
  botId: string;
  /** The bot's own conversation id, as it reported it to ingress. */
  conversationId: string;
  text: string;
  sentAt?: string;
  platform: string;
  teamId: string;
  userId: string;
  operator: { id: string; name: string; source: string };
}

/** What the status service POSTs when control changes: an operator handed back, or a handoff timed out. */
export interface ControlNotice {
  type: 'handed_back' | 'handoff_timeout';
  eventId: string;
  botId: string;
  conversationId: string;
  /** handed_back: the operator's note for the bot (may be empty). */
  note?: string;
  /** handoff_timeout: the reason the bot gave when it asked. */
  reason?: string;
  operator: { id: string; name: string; source: string };
}

export type Control = 'human' | 'waiting' | 'bot';

/** What the user types to ask for a person. */
export const HANDOFF_COMMAND = '/human';

export interface ConversationUser {
  conversationId: string;
  user: { id: string; name?: string };
  team?: { id: string; name?: string };
  platform?: string;
}

const MAX_AGE_SECONDS = 5 * 60;

/** Checks X-Switchboard-Signature: "v1=" + hex(HMAC-SHA256(secret, "v1:{timestamp}:{body}")). */
export function verifySignature(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  nowSeconds = Date.now() / 1000,
): string | null {
  if (!timestamp || !signature) return 'missing X-Switchboard-Timestamp or X-Switchboard-Signature';
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > MAX_AGE_SECONDS)
    return 'timestamp missing or more than 5 minutes off';
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? null : 'signature does not match';
}

function readBody(request: IncomingMessage, limit = 256 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export class ExampleBot {
  /** Operator messages passed to users, in arrival order. */
  readonly received: OperatorMessage[] = [];
  /** The event id of every signed delivery, repeats included (a redelivery is answered 200 and not acted on). */
  readonly deliveries: string[] = [];
  /** Control changes the webhook reported (handed_back, handoff_timeout), in arrival order. */
  readonly notices: ControlNotice[] = [];
  /** What the bot itself said, per conversation. */
  readonly said = new Map<string, string[]>();
  private readonly seen = new Set<string>();
  private server?: Server;
  private readonly log: (line: string) => void;

  constructor(private readonly options: ExampleBotOptions) {
    this.log = options.log ?? ((line) => console.log(line));
  }

  /** Starts the webhook receiver; resolves with its URL (what BOT_WEBHOOK_URL should be). */
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      void this.handle(request).then(
        ({ status, body }) =>
          response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
        (err: Error) =>
          response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message })),
      );
    });
    await new Promise<void>((resolve) =>
      this.server!.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', resolve),
    );
    const address = this.server.address();
    const port = typeof address === 'object' && address ? address.port : this.options.port;
    return `http://${this.options.host ?? '127.0.0.1'}:${port}/switchboard/webhook`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * A user wrote to the bot: report it, and answer (and report the answer) unless an operator holds the
   * conversation. Returns who is in control.
   */
  async userSays(who: ConversationUser, text: string): Promise<Control> {
    const control = await this.report(who, 'user', text);
    if (control === 'human') {
      this.log(`[${who.conversationId}] an operator holds this conversation: the bot stays silent`);
      return control;
    }
    if (control === 'waiting') {
      this.log(`[${who.conversationId}] bot: still connecting you to a person…`);
      return control;
    }
    if (text.trim() === HANDOFF_COMMAND) {
      const now = await this.askForHuman(
        who,
        'The user asked for a person',
        `Last words before asking: ${this.said.get(who.conversationId)?.at(-1) ?? '(none)'}`,
      );
      this.log(`[${who.conversationId}] bot: connecting you to a person… (control: ${now})`);
      return now;
    }
    const answer = (this.options.answer ?? ((t) => `You said: ${t}. A person will look at this if I can't help.`))(
      text,
    );
    this.said.set(who.conversationId, [...(this.said.get(who.conversationId) ?? []), answer]);
    this.log(`[${who.conversationId}] bot: ${answer}`);
    await this.report(who, 'bot', answer);
    return control;
  }

  /** POST /v1/conversations/:id/handoff: asks for a human; control is then "waiting" (or "human" if one holds it). */
  async askForHuman(who: ConversationUser, reason: string, summary?: string, team?: string): Promise<Control> {
    const body = {
      event_id: randomUUID(),
      reason,
      ...(summary ? { summary } : {}),
      ...(team ? { team } : {}),
      metadata: { platform: who.platform ?? 'web' },
    };
    return this.send(`/v1/conversations/${encodeURIComponent(who.conversationId)}/handoff`, body);
  }

  /** POST /v1/events; retries a 503 or 429 with the same event id (ingress dedupes). */
  private async report(who: ConversationUser, direction: 'user' | 'bot', text: string): Promise<Control> {
    const event = {
      event_id: randomUUID(),
      conversation_id: who.conversationId,
      platform: who.platform ?? 'web',
      user: who.user,
      team: who.team,
      direction,
      text,
      timestamp: new Date().toISOString(),
    };
    return this.send('/v1/events', event);
  }

  /** POSTs to ingress; retries a 503 or 429 with the same body (its event id makes a retry a duplicate). */
  private async send(path: string, payload: object): Promise<Control> {
    for (let attempt = 1; ; attempt += 1) {
      const res = await fetch(new URL(path, this.options.ingressUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.apiKey}` },
        body: JSON.stringify(payload),
      });
      const body = (await res.json().catch(() => ({}))) as { control?: string; message?: string; error?: string };
      if (res.status === 202) return body.control === 'human' || body.control === 'waiting' ? body.control : 'bot';
      if ((res.status === 503 || res.status === 429) && attempt < 5) {
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
        continue;
      }
      throw new Error(`ingress answered ${res.status}: ${body.message ?? body.error ?? ''}`);
    }
  }

  private async handle(request: IncomingMessage): Promise<{ status: number; body: object }> {
    if (request.method !== 'POST' || request.url !== '/switchboard/webhook')
      return { status: 404, body: { error: 'POST /switchboard/webhook' } };
    const raw = await readBody(request);
    const header = (name: string) => {
      const v = request.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const problem = verifySignature(
      this.options.webhookSecret,
      header('x-switchboard-timestamp'),
      header('x-switchboard-signature'),
      raw,
    );
    if (problem) {
      this.log(`webhook refused: ${problem}`);
      return { status: 401, body: { error: problem } };
    }
    const message = JSON.parse(raw) as OperatorMessage | ControlNotice;
    if (
      !['operator_message', 'handed_back', 'handoff_timeout'].includes(message.type) ||
      !message.eventId ||
      !message.conversationId
    ) {
      return { status: 400, body: { error: 'not an operator_message, handed_back or handoff_timeout' } };
    }
    this.deliveries.push(message.eventId);
    if (this.seen.has(message.eventId)) return { status: 200, body: { duplicate: true } };
    this.seen.add(message.eventId);
    if (message.type !== 'operator_message') {
      this.notices.push(message);
      if (message.type === 'handoff_timeout') {
        this.log(
          `[${message.conversationId}] bot: Sorry, no one is free to take this right now. I'm back, and you can also write to support@example.com.`,
        );
      } else {
        this.log(
          `[${message.conversationId}] the bot is back in control${message.note ? ` (operator's note: ${message.note})` : ''}`,
        );
      }
      return { status: 200, body: { ok: true } };
    }
    this.received.push(message);
    this.log(`[${message.conversationId}] ${message.operator.name} (as the bot): ${message.text}`);
    return { status: 200, body: { ok: true } };
  }
}
