// STATUS_THREAD_REPLY_MODE: what an operator's reply in a conversation's Slack thread does. `send` passes it to
// the user as the bot; `note` keeps every one as an internal note; `confirm` first asks the operator, privately,
// Send or Keep as note — the reply waits in Redis (a day) and the first choice made acts, once.
import { StatusChange, type Operator } from '@switchboard/proto';
import type { Logger } from '@switchboard/core';
import type { Redis } from '@switchboard/store';
import type { OperatorActions } from '../conversation/actions';
import type { StatusKeys } from '../status-keys';
import type { SlackEphemeral } from './slack-ephemeral';
import { choiceDoneText, confirmMessage, type ReplyChoice } from './thread-answers';

export const THREAD_REPLY_MODES = ['send', 'note', 'confirm'] as const;
export type ThreadReplyMode = (typeof THREAD_REPLY_MODES)[number];

/** How long a reply waits for its operator's choice. */
const PENDING_SECONDS = 24 * 60 * 60;

/** A thread reply (not a `note:` one) by an operator allowed to act. */
export interface ThreadReplyRequest {
  conversationId: string;
  text: string;
  actor: Operator;
  /** Stable for the Slack event: a redelivery makes the same event (and the same pending reply). */
  eventId: string;
  /** Where the operator wrote it, to answer them there. */
  channel: string;
  threadTs: string;
  userId: string;
}

interface PendingReply {
  conversationId: string;
  text: string;
  /** Who wrote it: only they are asked, and only their choice counts. */
  userId: string;
}

export class ThreadReplies {
  constructor(
    private readonly deps: {
      mode: ThreadReplyMode;
      actions: OperatorActions;
      ephemeral: SlackEphemeral;
      redis: Redis;
      keys: StatusKeys;
      logger: Logger;
    },
  ) {}

  async reply(request: ThreadReplyRequest): Promise<void> {
    const { actions, mode } = this.deps;
    const { conversationId, text, actor, eventId } = request;
    if (mode === 'send') return actions.reply({ conversationId, text, actor, eventId });
    if (mode === 'note') return actions.act({ conversationId, change: StatusChange.NOTE, actor, eventId, note: text });
    const pending: PendingReply = { conversationId, text, userId: request.userId };
    await this.deps.redis.set(
      this.deps.keys.pendingThreadReply(eventId),
      JSON.stringify(pending),
      'EX',
      PENDING_SECONDS,
      'NX',
    );
    await this.deps.ephemeral.tell({
      channel: request.channel,
      user: request.userId,
      threadTs: request.threadTs,
      ...confirmMessage(eventId, text),
    });
  }

  /**
   * The operator's answer to the question: the first choice its writer makes for a pending reply acts (sent, or
   * kept as a note), a retry of that choice acts again with the same event id (consumers dedupe), any other (or
   * anyone else's) is told it is too late. Then the operator is told, privately, what became of it.
   */
  async choose(
    pendingId: string,
    choice: ReplyChoice,
    actor: Operator,
    where: { channel: string; userId: string },
  ): Promise<ReplyChoice | 'gone'> {
    const { redis, keys, actions } = this.deps;
    const key = keys.pendingThreadReply(pendingId);
    const raw = await redis.get(key);
    let outcome: ReplyChoice | 'gone' = 'gone';
    const pending = raw ? (JSON.parse(raw) as PendingReply) : null;
    if (pending && pending.userId !== where.userId) {
      this.deps.logger.warn({ pendingId }, 'a thread reply’s Send / Keep as note clicked by someone else: ignored');
    } else if (pending) {
      const chosenKey = keys.pendingThreadReplyChoice(pendingId);
      const claimed = await redis.set(chosenKey, choice, 'EX', PENDING_SECONDS, 'NX');
      const winner = claimed === 'OK' ? choice : await redis.get(chosenKey);
      if (winner === choice) {
        const eventId = `${pendingId}:${choice}`;
        if (choice === 'send')
          await actions.reply({ conversationId: pending.conversationId, text: pending.text, actor, eventId });
        else
          await actions.act({
            conversationId: pending.conversationId,
            change: StatusChange.NOTE,
            actor,
            eventId,
            note: pending.text,
          });
        await redis.del(key);
        outcome = choice;
      }
    }
    if (where.channel)
      await this.deps.ephemeral
        .tell({ channel: where.channel, user: where.userId, text: choiceDoneText(outcome) })
        .catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'could not tell the operator the outcome'));
    return outcome;
  }
}
