// Operator actions, from Slack buttons, Slack thread replies, the console and Asana alike: the takeover
// state changes in Redis at once (ingress reads it on the bot's next event), then the event goes to Kafka
// (conv.status for the notifier and ticketer, bot.outbound for the bot). Each call resolves only once Kafka
// acknowledged; how long a request waits for that is InboundOnce's business (the work goes on past it).
import { randomUUID } from 'node:crypto';
import {
  create,
  OperatorMessageKind,
  OperatorMessageSchema,
  StatusChange,
  StatusEventSchema,
  timestampNow,
  type Operator,
} from '@switchboard/proto';
import { Topics, type Publisher } from '@switchboard/bus';
import { botOfId, type Logger } from '@switchboard/core';
import type { SpamMarks, SpamScope } from '@switchboard/store';
import type { ConversationIndex } from './conversations';
import type { HandoffStore } from './handoff';
import { isOwner, ownerRecord, replyOwner, replyOwnerEventId, type OwnerStore } from './owner';
import { requestedScope, scopeFlags, spamChangeOf } from './spam-record';
import type { TakeoverStore } from './takeover';

export interface ActionRequest {
  conversationId: string;
  change: StatusChange;
  actor: Operator;
  /** Stable for one operator action, so a retried request makes the same event (consumers dedupe by it). */
  eventId?: string;
  note?: string;
  wholeTeam?: boolean;
  /** SPAM / NOT_SPAM: the conversation, its user or its whole team (a Not spam without one undoes the spam's). */
  scope?: SpamScope;
}

export interface OperatorReply {
  conversationId: string;
  text: string;
  actor: Operator;
  eventId?: string;
}

/** A message for the bot on bot.outbound: an operator's text, or a control change. */
export interface BotMessage {
  conversationId: string;
  kind: OperatorMessageKind;
  text: string;
  actor: Operator;
  eventId: string;
}

/** Longest operator message passed on to the bot (Slack's own message limit is 40,000 characters). */
export const MAX_REPLY_LENGTH = 4000;

export class OperatorActions {
  constructor(
    private readonly deps: {
      publisher: Publisher;
      takeovers: TakeoverStore;
      handoffs: HandoffStore;
      conversations: ConversationIndex;
      owners: OwnerStore;
      logger: Logger;
      /** The shared spam marks, written before a SPAM / NOT_SPAM is published (spam-record.ts). */
      spam?: SpamMarks;
    },
  ) {}

  async act(request: ActionRequest): Promise<void> {
    const { takeovers, conversations } = this.deps;
    const { conversationId, change } = request;
    if (change === StatusChange.TAKEOVER_STARTED) {
      await takeovers.take(conversationId, request.actor.name || request.actor.id);
      await this.deps.handoffs.answered(conversationId);
    }
    if (change === StatusChange.TAKEOVER_ENDED || change === StatusChange.CLOSED)
      await takeovers.release(conversationId);
    const summary = await conversations.get(conversationId);
    const { spam } = this.deps;
    const scope =
      spam && (change === StatusChange.SPAM || change === StatusChange.NOT_SPAM)
        ? await requestedScope(spam, { ...request, scope: request.scope ?? (request.wholeTeam ? 'team' : undefined) })
        : undefined;
    const event = create(StatusEventSchema, {
      eventId: request.eventId ?? randomUUID(),
      conversationId,
      change,
      actor: request.actor,
      at: timestampNow(),
      note: request.note ?? '',
      wholeTeam: request.wholeTeam ?? false,
      teamId: summary?.teamId ?? '',
      ...(scope ? { ...scopeFlags(scope), userId: summary?.userId ?? '' } : {}),
    });
    const marked = spam ? spamChangeOf(event) : null;
    if (marked) await spam!.apply(marked);
    if (change === StatusChange.ASSIGNED) {
      const current = await this.deps.owners.get(conversationId);
      // Assigning the owner again is no change (but a retry of the event that made them owner goes on).
      if (isOwner(current, request.actor) && current!.eventId !== event.eventId) return;
      await this.deps.owners.assign(conversationId, ownerRecord(request.actor, event.eventId));
    }
    // Open or closed shows in the console at once, and the task's change coming back through the Asana
    // webhook finds the conversation already so (task-change.ts ignores it).
    if (change === StatusChange.CLOSED || change === StatusChange.REOPENED) await conversations.recordStatus(event);
    await this.deps.publisher.publish(Topics.status, [{ key: conversationId, value: event }]);
    this.deps.logger.info(
      {
        conversationId,
        eventId: event.eventId,
        change: StatusChange[change],
        by: request.actor.id,
        source: request.actor.source,
      },
      'operator action',
    );
    // The bot learns it may speak again, with the operator's note to continue from.
    if (change === StatusChange.TAKEOVER_ENDED)
      await this.tellBot({
        conversationId,
        kind: OperatorMessageKind.HANDED_BACK,
        text: event.note,
        actor: request.actor,
        eventId: `${event.eventId}:bot`,
      });
  }

  /** A control change for the bot (bot.outbound, so the webhook delivers it in order with the messages). */
  async tellBot(request: BotMessage): Promise<void> {
    await this.publishOutbound(request);
    this.deps.logger.info(
      { conversationId: request.conversationId, eventId: request.eventId, kind: OperatorMessageKind[request.kind] },
      'control change sent to the bot',
    );
  }

  /** One operator message on bot.outbound, addressed from the conversation's summary (platform, team, user, bot). */
  private async publishOutbound(request: BotMessage): Promise<void> {
    const { conversationId } = request;
    const summary = await this.deps.conversations.get(conversationId);
    const message = create(OperatorMessageSchema, {
      eventId: request.eventId,
      conversationId,
      operator: request.actor,
      text: request.text.slice(0, MAX_REPLY_LENGTH),
      sentAt: timestampNow(),
      platform: summary?.platform ?? '',
      teamId: summary?.teamId ?? '',
      userId: summary?.userId ?? '',
      // The conversation's bot as recorded, else as its id says (a reply may beat the summary's update).
      botId: summary?.botId || botOfId(conversationId),
      kind: request.kind,
    });
    await this.deps.publisher.publish(Topics.outbound, [{ key: conversationId, value: message }]);
  }

  /**
   * Sends text to the user as the bot. An operator speaking takes the conversation over first (the bot must
   * not talk over them), and each message restarts the takeover's idle clock.
   */
  async reply(request: OperatorReply): Promise<void> {
    const { takeovers } = this.deps;
    const { conversationId } = request;
    const eventId = request.eventId ?? randomUUID();
    const state = await takeovers.state(conversationId);
    if (state.control !== 'human') {
      await this.act({
        conversationId,
        change: StatusChange.TAKEOVER_STARTED,
        actor: request.actor,
        eventId: `${eventId}:takeover`,
      });
    } else {
      await takeovers.touch(conversationId);
    }
    await this.publishOutbound({ ...request, eventId, kind: OperatorMessageKind.MESSAGE });
    this.deps.logger.info(
      { conversationId, eventId, by: request.actor.id, source: request.actor.source },
      'operator message sent',
    );
    await this.ownFirstReply(conversationId, request.actor, eventId);
  }

  /** The first human reply makes its operator the owner when there is none yet (once: ASSIGNED, source reply). */
  private async ownFirstReply(conversationId: string, replier: Operator, replyEventId: string): Promise<void> {
    const owner = replyOwner(replier);
    const eventId = replyOwnerEventId(replyEventId);
    if (!(await this.deps.owners.claimFirst(conversationId, ownerRecord(owner, eventId)))) return;
    await this.act({ conversationId, change: StatusChange.ASSIGNED, actor: owner, eventId });
  }
}
