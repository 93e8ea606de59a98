// The console's queue route: running deadline clocks from Redis, with their conversations' summaries,
// rendered by queue-page.ts. Registered inside the guarded scope (signed-in operators only).
import type { FastifyInstance } from 'fastify';
import type { ConversationIndex } from '../conversation/conversations';
import type { ClockStore } from '../sla/clock-store';
import type { ConsoleAuth } from './console-auth';
import { sendHtml } from './console-http';
import { queuePage } from './console-html';
import { pageUser } from './conversation-routes';
import { queueBody } from './queue-page';

/** The most clocks the page shows (the least time left first). */
const QUEUE_LIMIT = 200;

export function queueRoute(
  app: FastifyInstance,
  { auth, conversations, slaClocks }: { auth: ConsoleAuth; conversations: ConversationIndex; slaClocks?: ClockStore },
): void {
  app.get('/console/queue', async (request, reply) => {
    const clocks = slaClocks ? await slaClocks.queue(QUEUE_LIMIT) : [];
    const summaries = await conversations.getMany(clocks.map((c) => c.conversationId));
    const rows = clocks.map((c, i) => ({ ...c, summary: summaries[i] }));
    return sendHtml(reply, 200, queuePage(pageUser(auth, request.consoleUser!), queueBody(rows, Date.now())));
  });
}
