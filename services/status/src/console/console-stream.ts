// The console's server-sent event streams: a snapshot first (what the page may have missed), then the
// live updates of one conversation or of all ('*'). Every open stream is tracked so shutdown ends them.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@switchboard/core';
import type { LiveHub, LiveUpdate } from '../conversation/live';
import { SECURITY_HEADERS } from './console-http';

const PING_MS = 15000;

export class ConsoleStreams {
  /** The end of each open stream, by the session it belongs to. */
  private readonly open = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly live: LiveHub,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = live.onSessionEnded((sid) => this.endSession(sid));
  }

  /** Takes the reply over and streams `key`'s updates until the client goes or the stream is ended. */
  stream(
    request: FastifyRequest,
    reply: FastifyReply,
    sid: string,
    key: string,
    snapshot: () => Promise<object | null>,
  ): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) => raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    raw.write('retry: 2000\n\n');
    const unlisten = this.live.listen(key, (update: LiveUpdate) => {
      if (update.type === 'entry') send('entry', update.entry);
      else if (update.type === 'summary') send('summary', update.summary);
      else send('delivery', { eventId: update.eventId, delivery: update.delivery });
    });
    const ping = setInterval(() => raw.write(': ping\n\n'), PING_MS);
    let mine = this.open.get(sid);
    if (!mine) this.open.set(sid, (mine = new Set()));
    const end = () => {
      clearInterval(ping);
      unlisten();
      mine.delete(end);
      if (mine.size === 0) this.open.delete(sid);
      if (!raw.writableEnded) raw.end();
    };
    mine.add(end);
    request.raw.on('close', end);
    snapshot()
      .then((data) => data && send('snapshot', data))
      .catch((err: Error) => this.logger.warn({ err: err.message }, 'console stream snapshot failed'));
  }

  /** Ends the streams of one session (signed out, or its operator removed). */
  endSession(sid: string): void {
    for (const end of [...(this.open.get(sid) ?? [])]) end();
  }

  endAll(): void {
    this.unsubscribe();
    for (const sid of [...this.open.keys()]) this.endSession(sid);
  }
}
