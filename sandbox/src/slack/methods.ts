// The Slack Web API methods the sandbox answers, each a function from decoded arguments to Slack's reply.
// Errors are Slack's own: HTTP 200 with {ok: false, error}; only rate limiting is a different HTTP answer.
import { createHash } from 'node:crypto';
import { blocksProblem, mentionsIn } from './blocks';
import type { SlackSettings } from '../settings';
import { SANDBOX_TEAM_ID, SANDBOX_USERGROUPS, slackPerson, userJson } from './workspace';
import { SLACK_ID, type Counters, type SlackChannel, type SlackMessage, type SlackStore } from '../state';

type Json = Record<string, unknown>;

/** The bot behind a token: stable ids derived from the token, so every token is its own bot. */
export interface Caller {
  token: string;
  botId: string;
  userId: string;
  appId: string;
}

export function callerFor(token: string): Caller {
  const hex = createHash('sha256').update(token).digest('hex').toUpperCase();
  return { token, botId: `B${hex.slice(0, 10)}`, userId: `U${hex.slice(10, 20)}`, appId: `A${hex.slice(20, 30)}` };
}

export interface MethodContext {
  args: Json;
  caller: Caller;
  store: SlackStore;
  settings: SlackSettings;
  counters: Counters;
  /** http://host:port of the sandbox as the caller reached it (for urls and permalinks). */
  baseUrl: string;
}

/** chat.postMessage over the channel's budget: answered with HTTP 429 and Retry-After. */
export class RateLimited {
  constructor(readonly retryAfter: number) {}
}

export type MethodResult = Json | RateLimited;

const fail = (error: string, detail?: string): Json =>
  detail ? { ok: false, error, response_metadata: { messages: [`[ERROR] ${detail}`] } } : { ok: false, error };

// Form fields arrive as strings, JSON bodies as values: accept both.
const str = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

function flag(value: unknown): boolean | undefined {
  if (value === true || value === 'true' || value === '1' || value === 1) return true;
  if (value === false || value === 'false' || value === '0' || value === 0) return false;
  return undefined;
}

/** A JSON-valued argument (blocks, attachments, metadata): a JSON string in forms, a value in JSON bodies. */
function jsonArg(value: unknown): { value?: unknown; invalid?: true } {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string') return { value };
  try {
    return { value: JSON.parse(value) };
  } catch {
    return { invalid: true };
  }
}

function channelArg(ctx: MethodContext, name = 'channel'): SlackChannel | Json {
  const ref = str(ctx.args[name]);
  if (!ref) return fail('channel_not_found');
  const channel = ctx.store.channel(ref);
  const missing = ctx.settings.missingChannels;
  const known = [ref, channel.id, ...(channel.name ? [channel.name, `#${channel.name}`] : [])];
  return known.some((k) => missing.has(k)) ? fail('channel_not_found') : channel;
}

const isChannel = (value: SlackChannel | Json): value is SlackChannel => typeof (value as SlackChannel).id === 'string';

/** Decodes text/blocks/attachments as Slack checks them; an error reply when they are not acceptable. */
interface Content {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
}

function content(ctx: MethodContext): { content: Content } | { error: Json } {
  const blocks = jsonArg(ctx.args.blocks);
  if (blocks.invalid) return { error: fail('invalid_blocks_format', 'blocks is not valid JSON') };
  if (blocks.value !== undefined) {
    const problem = blocksProblem(blocks.value);
    if (problem) return { error: fail('invalid_blocks', problem) };
  }
  const attachments = jsonArg(ctx.args.attachments);
  if (attachments.invalid || (attachments.value !== undefined && !Array.isArray(attachments.value)))
    return { error: fail('invalid_attachments') };
  const text = str(ctx.args.text);
  if (text !== undefined && text.length > 40000) return { error: fail('msg_too_long') };
  return {
    content: {
      text,
      blocks: blocks.value as unknown[] | undefined,
      attachments: attachments.value as unknown[] | undefined,
    },
  };
}

/** A stored message in the shape Slack's API returns it. */
export function messageJson(store: SlackStore, m: SlackMessage): Json {
  const replies = m.threadTs ? [] : store.repliesTo(m.channelId, m.ts);
  const root = m.threadTs ? store.find(m.channelId, m.threadTs) : undefined;
  return {
    type: 'message',
    text: m.text,
    user: m.userId,
    bot_id: m.botId,
    app_id: m.appId,
    team: SANDBOX_TEAM_ID,
    ts: m.ts,
    ...(m.blocks ? { blocks: m.blocks } : {}),
    ...(m.attachments ? { attachments: m.attachments } : {}),
    ...(m.metadata ? { metadata: m.metadata } : {}),
    ...(m.edited ? { edited: m.edited } : {}),
    ...(m.threadTs ? { thread_ts: m.threadTs, parent_user_id: root?.userId ?? m.userId } : {}),
    ...(replies.length > 0
      ? {
          thread_ts: m.ts,
          reply_count: replies.length,
          reply_users: [...new Set(replies.map((r) => r.userId))],
          reply_users_count: new Set(replies.map((r) => r.userId)).size,
          latest_reply: replies[replies.length - 1].ts,
        }
      : {}),
    ...(m.botId
      ? { bot_profile: { id: m.botId, app_id: m.appId, name: 'switchboard', deleted: false, team_id: SANDBOX_TEAM_ID } }
      : {}),
  };
}

/** Offset cursors, opaque to the caller like Slack's. */
const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64');
function decodeCursor(cursor: unknown): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(str(cursor) ?? '', 'base64').toString());
  return match ? Number(match[1]) : 0;
}

function page(ctx: MethodContext, messages: SlackMessage[], defaultLimit: number): Json {
  const limit = Math.max(1, Math.min(1000, Number(str(ctx.args.limit) ?? defaultLimit) || defaultLimit));
  const start = decodeCursor(ctx.args.cursor);
  const slice = messages.slice(start, start + limit);
  const more = start + limit < messages.length;
  return {
    ok: true,
    messages: slice.map((m) => messageJson(ctx.store, m)),
    has_more: more,
    response_metadata: { next_cursor: more ? encodeCursor(start + limit) : '' },
  };
}

function postMessage(ctx: MethodContext): MethodResult {
  const channel = channelArg(ctx);
  if (!isChannel(channel)) return channel;
  const decoded = content(ctx);
  if ('error' in decoded) return decoded.error;
  const body = decoded.content;
  if (!body.text && !body.blocks?.length && !body.attachments?.length) return fail('no_text');
  const threadRef = str(ctx.args.thread_ts);
  // A reply to a reply joins the same thread, as in Slack.
  const threadTs = threadRef ? (ctx.store.find(channel.id, threadRef)?.threadTs ?? threadRef) : undefined;
  const wait = ctx.settings.postLimiter?.take(channel.id) ?? 0;
  if (wait > 0) {
    ctx.counters.slackRateLimitedByChannel.inc(ctx.store.label(channel.id));
    return new RateLimited(wait);
  }
  const metadata = jsonArg(ctx.args.metadata).value;
  const message: SlackMessage = {
    channelId: channel.id,
    ts: ctx.store.nextTs(),
    ...(threadTs ? { threadTs } : {}),
    text: body.text ?? '',
    blocks: body.blocks,
    attachments: body.attachments,
    botId: ctx.caller.botId,
    userId: ctx.caller.userId,
    appId: ctx.caller.appId,
    unfurlLinks: flag(ctx.args.unfurl_links),
    unfurlMedia: flag(ctx.args.unfurl_media),
    replyBroadcast: threadTs ? flag(ctx.args.reply_broadcast) : undefined,
    metadata,
    mentions: mentionsIn(body.text ?? '', body.blocks),
    history: [],
  };
  ctx.store.messages.push(message);
  return { ok: true, channel: channel.id, ts: message.ts, message: messageJson(ctx.store, message) };
}

function update(ctx: MethodContext): MethodResult {
  const channel = channelArg(ctx);
  if (!isChannel(channel)) return channel;
  const ts = str(ctx.args.ts);
  const message = ts ? ctx.store.find(channel.id, ts) : undefined;
  if (!message) return fail('message_not_found');
  if (message.botId !== ctx.caller.botId) return fail('cant_update_message');
  const decoded = content(ctx);
  if ('error' in decoded) return decoded.error;
  const body = decoded.content;
  if (body.text === undefined && body.blocks === undefined && body.attachments === undefined) return fail('no_text');
  const editTs = ctx.store.nextTs();
  message.history.push({
    text: message.text,
    ...(message.blocks ? { blocks: message.blocks } : {}),
    replacedAt: editTs,
  });
  // Slack keeps what an update leaves out; an empty blocks array removes the blocks.
  if (body.text !== undefined) message.text = body.text;
  if (body.blocks !== undefined) message.blocks = body.blocks.length > 0 ? body.blocks : undefined;
  if (body.attachments !== undefined) message.attachments = body.attachments;
  message.mentions = mentionsIn(message.text, message.blocks);
  message.edited = { user: ctx.caller.userId, ts: editTs };
  return {
    ok: true,
    channel: channel.id,
    ts: message.ts,
    text: message.text,
    message: messageJson(ctx.store, message),
  };
}

function getPermalink(ctx: MethodContext): MethodResult {
  const channel = channelArg(ctx);
  if (!isChannel(channel)) return channel;
  const ts = str(ctx.args.message_ts);
  const message = ts ? ctx.store.find(channel.id, ts) : undefined;
  if (!message) return fail('message_not_found');
  const thread = message.threadTs ? `?thread_ts=${message.threadTs}&cid=${channel.id}` : '';
  return {
    ok: true,
    channel: channel.id,
    permalink: `${ctx.baseUrl}/slack/archives/${channel.id}/p${message.ts.replace('.', '')}${thread}`,
  };
}

function replies(ctx: MethodContext): MethodResult {
  const channel = channelArg(ctx);
  if (!isChannel(channel)) return channel;
  const ts = str(ctx.args.ts);
  const found = ts ? ctx.store.find(channel.id, ts) : undefined;
  const root = found?.threadTs ? ctx.store.find(channel.id, found.threadTs) : found;
  if (!root) return fail('thread_not_found');
  return page(ctx, [root, ...ctx.store.repliesTo(channel.id, root.ts)], 1000);
}

function history(ctx: MethodContext): MethodResult {
  // Slack's history takes ids only: a channel name is answered channel_not_found, as there.
  const ref = str(ctx.args.channel);
  if (ref && !SLACK_ID.test(ref))
    return fail(
      'channel_not_found',
      `conversations.history takes a channel id, not a name ("${ref.slice(0, 80)}"): find it with conversations.list or in chat.postMessage's answer`,
    );
  const channel = channelArg(ctx);
  if (!isChannel(channel)) return channel;
  const inclusive = flag(ctx.args.inclusive) ?? false;
  const oldest = Number(str(ctx.args.oldest) ?? 0);
  const latest = Number(str(ctx.args.latest) ?? Infinity);
  const inRange = (m: SlackMessage) => {
    const t = Number(m.ts);
    return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
  };
  return page(ctx, ctx.store.roots(channel.id).filter(inRange).reverse(), 100);
}

/** The channels known by name (a channel exists once something addressed it), paged as Slack pages them. */
function conversationsList(ctx: MethodContext): MethodResult {
  const named = [...ctx.store.channels.values()].filter(
    (c) =>
      c.name &&
      !ctx.settings.missingChannels.has(c.id) &&
      !ctx.settings.missingChannels.has(c.name) &&
      !ctx.settings.missingChannels.has(`#${c.name}`),
  );
  const limit = Math.max(1, Math.min(1000, Number(str(ctx.args.limit) ?? 100) || 100));
  const start = decodeCursor(ctx.args.cursor);
  const more = start + limit < named.length;
  return {
    ok: true,
    channels: named.slice(start, start + limit).map((c) => ({
      id: c.id,
      name: c.name,
      is_channel: true,
      is_private: false,
      is_archived: false,
      is_member: true,
    })),
    response_metadata: { next_cursor: more ? encodeCursor(start + limit) : '' },
  };
}

function userInfo(ctx: MethodContext): MethodResult {
  const id = str(ctx.args.user);
  if (!id || ctx.settings.missingUsers.has(id)) return fail('user_not_found');
  return { ok: true, user: userJson(slackPerson(id)) };
}

/** Only to one user in the channel (blocks checked as for any message); refused for a user id it does not know. */
function postEphemeral(ctx: MethodContext): MethodResult {
  const channel = channelArg(ctx);
  if (!isChannel(channel)) return channel;
  const user = str(ctx.args.user);
  if (!user || ctx.settings.missingUsers.has(user)) return fail('user_not_in_channel');
  const decoded = content(ctx);
  if ('error' in decoded) return decoded.error;
  const { text, blocks } = decoded.content;
  if (!text && !blocks?.length) return fail('no_text');
  const ts = ctx.store.nextTs();
  const threadTs = str(ctx.args.thread_ts);
  ctx.store.ephemeral.push({
    channelId: channel.id,
    userId: user,
    text: text ?? '',
    ts,
    ...(blocks ? { blocks } : {}),
    ...(threadTs ? { threadTs } : {}),
    ...(ctx.caller.appId ? { appId: ctx.caller.appId } : {}),
  });
  return { ok: true, message_ts: ts };
}

function usergroupUsers(ctx: MethodContext): MethodResult {
  const group = str(ctx.args.usergroup);
  const users = group ? SANDBOX_USERGROUPS[group] : undefined;
  if (!users) return fail('no_such_subteam');
  return { ok: true, users: [...users] };
}

function authTest(ctx: MethodContext): MethodResult {
  return {
    ok: true,
    url: `${ctx.baseUrl}/slack/`,
    team: 'Switchboard Sandbox',
    user: 'switchboard',
    team_id: SANDBOX_TEAM_ID,
    user_id: ctx.caller.userId,
    bot_id: ctx.caller.botId,
    is_enterprise_install: false,
  };
}

export const slackMethods: Record<string, (ctx: MethodContext) => MethodResult> = {
  'auth.test': authTest,
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.getPermalink': getPermalink,
  'conversations.replies': replies,
  'conversations.history': history,
  'conversations.list': conversationsList,
  'users.info': userInfo,
  'chat.postEphemeral': postEphemeral,
  'usergroups.users.list': usergroupUsers,
};
