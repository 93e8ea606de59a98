// The console's triage routes: the stats page for a window, and the export of one row per conversation
// (CSV or NDJSON), streamed page by page from the timelines. Registered inside the guarded scope.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ConversationRefs } from '@switchboard/store';
import type { ConversationIndex } from '../conversation/conversations';
import type { TimelineList } from '../conversation/timeline-list';
import { StatsBuilder } from '../conversation/triage-stats';
import type { ConsoleAuth } from './console-auth';
import { SECURITY_HEADERS, sendHtml } from './console-http';
import { statsPage } from './console-html';
import { pageUser } from './conversation-routes';
import { csvHeader, csvLine, exportRow, ndjsonLine } from './export-rows';
import { statsBody, statsWindow } from './stats-page';

interface TriageDeps {
  auth: ConsoleAuth;
  timelineList: TimelineList;
  conversations: ConversationIndex;
  refs: ConversationRefs;
}

/** Conversations read from Redis at a time by the export. */
const EXPORT_PAGE = 200;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export function statsRoute(app: FastifyInstance, { auth, timelineList }: TriageDeps): void {
  app.get<{ Querystring: Record<string, unknown> }>('/console/stats', async (request, reply) => {
    const win = statsWindow(request.query, Date.now());
    if ('error' in win) return reply.code(400).send({ error: win.error });
    const stats = new StatsBuilder(win.sinceMs, win.untilMs);
    for await (const { timeline } of timelineList.walk({ sinceMs: win.sinceMs, untilMs: win.untilMs }))
      stats.add(timeline);
    return sendHtml(reply, 200, statsPage(pageUser(auth, request.consoleUser!), statsBody(win, stats.result())));
  });
}

/** Pure: an ISO time from the query (a day, or a day and time with a zone) as ms, or null. */
export function isoMs(value: unknown): number | null {
  if (typeof value !== 'string' || !ISO_TIME.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function exportRoute(app: FastifyInstance, { timelineList, conversations, refs }: TriageDeps): void {
  app.get<{ Querystring: Record<string, unknown> }>('/console/export', async (request, reply) => {
    const { since, until, format = 'csv' } = request.query;
    const sinceMs = isoMs(since);
    const untilMs = until === undefined || until === '' ? Date.now() + 1 : isoMs(until);
    if (sinceMs === null && since !== undefined)
      return reply
        .code(400)
        .send({ error: '"since" must be an ISO 8601 time, e.g. 2026-01-01 or 2026-01-01T00:00:00Z' });
    if (untilMs === null)
      return reply.code(400).send({ error: '"until" must be an ISO 8601 time, e.g. 2026-02-01T00:00:00Z' });
    if (format !== 'csv' && format !== 'ndjson')
      return reply.code(400).send({ error: '"format" must be csv or ndjson' });
    if (sinceMs !== null && sinceMs >= untilMs)
      return reply.code(400).send({ error: '"since" must be before "until"' });

    const range = { sinceMs: sinceMs ?? undefined, untilMs };
    const line = format === 'csv' ? csvLine : ndjsonLine;
    async function* rows(): AsyncGenerator<string> {
      if (format === 'csv') yield csvHeader();
      const batch: Parameters<typeof exportRow>[0][] = [];
      const flush = async () => {
        const ids = batch.map((t) => t.id);
        const [summaries, slack, tasks] = await Promise.all([
          conversations.getMany(ids),
          Promise.all(ids.map((id) => refs.slackRoot(id))),
          Promise.all(ids.map((id) => refs.asanaTask(id))),
        ]);
        const text = batch.map((t, i) => line(exportRow(t, summaries[i], slack[i], tasks[i]))).join('');
        batch.length = 0;
        return text;
      };
      for await (const { timeline } of timelineList.walk(range, undefined, EXPORT_PAGE)) {
        batch.push(timeline);
        if (batch.length === EXPORT_PAGE) yield await flush();
      }
      if (batch.length > 0) yield await flush();
    }
    const name = `switchboard-conversations-${new Date(untilMs - 1).toISOString().slice(0, 10)}.${format}`;
    return reply
      .headers(SECURITY_HEADERS)
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${name}"`)
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .send(Readable.from(rows()));
  });
}
