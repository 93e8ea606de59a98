// GET /v1/conversations/:id/control: for a bot that asks before it speaks (ingress's reply to every event
// says the same). Bots authenticate with their ingress API key and see only their own conversations: the id
// is looked up in the key's bot scope, so another bot's conversation of the same id is not this one.
import type { FastifyInstance } from 'fastify';
import { authenticate, bearerToken, scopeId, type ApiKey } from '@switchboard/core';
import type { HandoffStore } from '../conversation/handoff';
import type { TakeoverStore } from '../conversation/takeover';

export function registerControlApi(
  app: FastifyInstance,
  apiKeys: ApiKey[],
  takeovers: TakeoverStore,
  handoffs: HandoffStore,
): void {
  app.get<{ Params: { id: string } }>('/v1/conversations/:id/control', async (request, reply) => {
    const bot = authenticate(apiKeys, bearerToken(request.headers.authorization));
    if (!bot) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: 'missing or unknown API key: send Authorization: Bearer <key>' });
    }
    const { id } = request.params;
    if (!id || id.length > 256) return reply.code(400).send({ error: 'conversation id must be 1 to 256 characters' });
    const state = await takeovers.state(scopeId(bot, id));
    // While waiting: the request and until when it waits (then control goes back to the bot).
    const handoff = state.control === 'waiting' ? await handoffs.get(scopeId(bot, id)) : null;
    return reply.header('cache-control', 'no-store').send({
      conversationId: id,
      control: state.control,
      ...(state.control === 'human' ? { operator: state.operator, since: state.since, until: state.until } : {}),
      ...(handoff
        ? { handoff: { reason: handoff.reason, requestedAt: handoff.requestedAt, until: handoff.until } }
        : {}),
    });
  });
}
