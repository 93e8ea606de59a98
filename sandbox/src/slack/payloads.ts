// What Slack sends an app when a person acts, in Slack's own shapes: a block_actions interaction for a button
// click (form-encoded `payload=`), an event_callback envelope for a message, and the v0 signature on both.
// Pure apart from the random ids Slack would make up (trigger_id, event_id).
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { SlackButton } from './blocks';
import { SANDBOX_TEAM_DOMAIN, SANDBOX_TEAM_ID, type SlackPerson } from './workspace';
import type { SlackChannel } from '../state';

type Json = Record<string, unknown>;

/** Slack's deprecated verification token, still sent in every payload. */
export const SANDBOX_VERIFICATION_TOKEN = 'sandbox-verification-token';

/** X-Slack-Signature: "v0=" + hex(HMAC-SHA256(signing secret, "v0:{timestamp}:{raw body}")). */
export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

export function signedHeaders(
  secret: string,
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(nowSeconds),
    'x-slack-signature': slackSignature(secret, nowSeconds, rawBody),
  };
}

/** The body Slack posts to the Interactivity Request URL: application/x-www-form-urlencoded, one field. */
export const interactionBody = (payload: Json) => `payload=${encodeURIComponent(JSON.stringify(payload))}`;

export interface Click {
  person: SlackPerson;
  channel: SlackChannel;
  /** The clicked message as the API returns it, every block with its block_id (only its ts for an ephemeral one). */
  message: Json;
  /** A click on an ephemeral message: Slack says so in the container and sends no message. */
  ephemeral?: boolean;
  button: SlackButton;
  /** The app that posted the message. */
  appId: string;
  responseUrl: string;
  actionTs: string;
}

export function blockActionsPayload({
  person,
  channel,
  message,
  ephemeral,
  button,
  appId,
  responseUrl,
  actionTs,
}: Click): Json {
  const threadTs =
    typeof message.thread_ts === 'string' && message.thread_ts !== message.ts ? message.thread_ts : undefined;
  const text =
    button.text.type === 'plain_text' && button.text.emoji === undefined
      ? { ...button.text, emoji: true }
      : button.text;
  return {
    type: 'block_actions',
    user: { id: person.id, username: person.name, name: person.name, team_id: person.teamId ?? SANDBOX_TEAM_ID },
    api_app_id: appId,
    token: SANDBOX_VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: message.ts,
      channel_id: channel.id,
      is_ephemeral: ephemeral === true,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    },
    trigger_id: `${Date.now()}.${SANDBOX_TEAM_ID}.${randomBytes(16).toString('hex')}`,
    team: { id: SANDBOX_TEAM_ID, domain: SANDBOX_TEAM_DOMAIN },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: channel.id, name: channel.name ?? channel.id },
    ...(ephemeral ? {} : { message }),
    state: { values: {} },
    response_url: responseUrl,
    actions: [
      {
        action_id: button.actionId,
        block_id: button.blockId,
        text,
        ...(button.value !== undefined ? { value: button.value } : {}),
        ...(button.style !== undefined ? { style: button.style } : {}),
        type: 'button',
        action_ts: actionTs,
      },
    ],
  };
}

export interface ThreadReplyEvent {
  person: SlackPerson;
  channelId: string;
  text: string;
  ts: string;
  threadTs: string;
  /** Who wrote the thread's root (parent_user_id). */
  parentUserId: string;
  /** The app the event is for, and its bot user (authorizations). */
  appId: string;
  botUserId: string;
}

/** Event ids look like Slack's ("Ev" and nine more), unique per event, the same on every retry of it. */
export const newEventId = () => `Ev${randomBytes(8).toString('hex').toUpperCase().slice(0, 9)}`;

export function messageEventCallback(reply: ThreadReplyEvent, eventId = newEventId()): Json {
  return {
    token: SANDBOX_VERIFICATION_TOKEN,
    team_id: SANDBOX_TEAM_ID,
    api_app_id: reply.appId,
    event: {
      type: 'message',
      channel: reply.channelId,
      user: reply.person.id,
      text: reply.text,
      ts: reply.ts,
      thread_ts: reply.threadTs,
      parent_user_id: reply.parentUserId,
      client_msg_id: randomUUID(),
      team: SANDBOX_TEAM_ID,
      channel_type: 'channel',
      event_ts: reply.ts,
    },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Number(reply.ts)),
    authorizations: [
      {
        enterprise_id: null,
        team_id: SANDBOX_TEAM_ID,
        user_id: reply.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

/**
 * A person's text as Slack stores and sends it: &, < and > escaped, except in the <@U…>, <#C…>, <!here>
 * and <https://…> tokens the client writes for mentions and links.
 */
export function slackEscape(text: string): string {
  return text.replace(/<(?:[@#!][^<>\s]*|(?:https?|mailto):[^<>\s]*)>|[&<>]/g, (match) =>
    match.length > 1 ? match : match === '&' ? '&amp;' : match === '<' ? '&lt;' : '&gt;',
  );
}
