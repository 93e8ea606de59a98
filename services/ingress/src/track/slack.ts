// Dashbot's Slack format, sent by `dashbot.slack.logIncoming/logOutgoing(bot, team, message)` and by its
// Botkit middleware: `{team: {id, name}, bot: {id}, message: <a Slack RTM/Events message>}`. The
// conversation is the channel, or the channel and thread_ts for a message in a thread. Pure.
import type { EventBody } from '../schema';
import {
  arr,
  attachment,
  bodyObject,
  compact,
  metadataOf,
  missing,
  nothing,
  obj,
  oneEvent,
  platformEventId,
  str,
  type Json,
  type TrackOutcome,
} from './common';

const EXPECTED =
  '{"team": {"id", "name"}, "bot": {"id"}, "message": {"type": "message", "channel", "user", "text", "ts"}}';

/** Message subtypes that are housekeeping, not something a person or the bot said. */
const NOT_SAID = new Set([
  'message_changed',
  'message_deleted',
  'message_replied',
  'channel_join',
  'channel_leave',
  'group_join',
  'group_leave',
  'channel_topic',
  'channel_purpose',
  'channel_name',
  'pinned_item',
  'unpinned_item',
]);

function teamOf(team: Json | undefined): EventBody['team'] {
  const id = str(team?.id);
  if (!id || id === 'unknown') return undefined;
  const name = str(team?.name);
  return name && name !== 'unknown' ? { id, name } : { id };
}

/** Slack's ts ("1764064800.000200", seconds) → RFC 3339. */
function isoFromTs(ts: string | undefined): string | undefined {
  if (!ts || !/^\d+(\.\d+)?$/.test(ts)) return undefined;
  return new Date(Math.round(Number(ts) * 1000)).toISOString();
}

function attachmentsOf(message: Json): EventBody['attachments'] {
  const files = arr(message.files).map((f) =>
    attachment(
      str(obj(f)?.mimetype) ?? str(obj(f)?.filetype) ?? 'file',
      str(obj(f)?.url_private) ?? str(obj(f)?.permalink),
      str(obj(f)?.name) ?? str(obj(f)?.title),
    ),
  );
  const images = arr(message.attachments)
    .map(obj)
    .filter((a) => str(a?.image_url))
    .map((a) => attachment('image', str(a?.image_url), str(a?.title)));
  return [...files, ...images];
}

/** Labels of legacy attachment actions and Block Kit buttons. */
function buttonsOf(message: Json): string[] {
  const legacy = arr(message.attachments).flatMap((a) => arr(obj(a)?.actions).map((x) => str(obj(x)?.text)));
  const blocks = arr(message.blocks).flatMap((b) =>
    arr(obj(b)?.elements).map((e) => (obj(e)?.type === 'button' ? str(obj(obj(e)?.text)?.text) : undefined)),
  );
  return [...legacy, ...blocks].filter((x): x is string => x !== undefined);
}

/** Text of a message whose text is only in attachments (the fallback Slack shows in notifications). */
function textOf(message: Json): string {
  const text = str(message.text);
  if (text) return text;
  return arr(message.attachments)
    .map((a) => str(obj(a)?.fallback) ?? str(obj(a)?.text))
    .filter(Boolean)
    .join('\n');
}

export function slackToEvents(type: 'incoming' | 'outgoing', body: unknown): TrackOutcome {
  const b = bodyObject(body, EXPECTED);
  const message = obj(b.message);
  if (!message) throw missing('message is required: the Slack message object', `Dashbot's Slack format is ${EXPECTED}`);
  const kind = str(message.type) ?? 'message';
  if (kind !== 'message') return nothing(`a Slack "${kind}" event is not a message`);
  const subtype = str(message.subtype);
  if (subtype && NOT_SAID.has(subtype)) return nothing(`a Slack message of subtype "${subtype}" is not something said`);
  const channel = str(message.channel);
  if (!channel) throw missing('message.channel is required: the Slack channel is the conversation');
  const bot = obj(b.bot);
  const botId = str(bot?.id);
  const user = str(message.user);
  // The bot sees its own posts come back on the RTM socket; logged as incoming they would be recorded twice
  // (they are logged as outgoing), and as the user's words.
  if (type === 'incoming' && botId && user === botId)
    return nothing('an incoming Slack message written by the bot itself is an echo; log it as outgoing');
  if (type === 'incoming' && !user && str(message.bot_id))
    return nothing(`an incoming Slack message from a bot (bot_id ${str(message.bot_id)}) has no user to record it for`);
  if (type === 'incoming' && !user)
    throw missing('message.user is required for an incoming Slack message: the user who wrote it');
  const ts = str(message.ts);
  const threadTs = str(message.thread_ts);
  const event: EventBody = {
    event_id: platformEventId('slack', channel, ts),
    conversation_id: threadTs ? `${channel}:${threadTs}` : channel,
    platform: 'slack',
    team: teamOf(obj(b.team)) ?? (str(message.team) ? { id: str(message.team)! } : undefined),
    user: type === 'incoming' ? { id: user! } : undefined,
    direction: type === 'incoming' ? 'user' : 'bot',
    text: textOf(message),
    attachments: attachmentsOf(message),
    buttons: buttonsOf(message),
    timestamp: isoFromTs(ts),
    metadata: metadataOf({
      slack_channel: channel,
      slack_thread_ts: threadTs,
      slack_ts: ts,
      slack_bot_id: botId,
      slack_subtype: subtype,
    }),
  };
  return oneEvent(compact(event));
}
