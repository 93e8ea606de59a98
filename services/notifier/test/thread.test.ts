// The whole conversation in its Slack thread, end to end on the real broker and Redis with the sandbox as Slack:
// the bot's replies, operators' replies from bot.outbound (once, also when redelivered; not echoed when typed in
// Slack), notes and state changes, attachments with images. Needs `npx tsc -b services/notifier` first.
import { WebClient } from '@slack/web-api';
import { Topics } from '@switchboard/bus';
import {
  AttachmentSchema,
  create,
  Direction,
  EventKind,
  OperatorMessageKind,
  OperatorMessageSchema,
  StatusChange,
  StatusEventSchema,
} from '@switchboard/proto';
import { classified } from './fixtures';
import { NotifierHarness, eventually, type SandboxMessage } from './harness';

jest.setTimeout(120000);

const h = new NotifierHarness({ NOTIFIER_POST_INTERVAL_MS: '150', NOTIFIER_DIGEST_AFTER_MS: '60000' });

beforeAll(() => h.start(), 120000);
afterAll(() => h.stop());

const start = (conversationId: string, text = 'hello') =>
  classified(text, { conversationId, eventId: `${conversationId}:1` });
const message = (conversationId: string, eventId: string, text: string, o: Parameters<typeof classified>[1] = {}) =>
  classified(text, { conversationId, eventId, kind: EventKind.MESSAGE, ...o });

const now = () => ({ seconds: BigInt(Math.floor(Date.now() / 1000)), nanos: 0 });

async function operatorSays(conversationId: string, eventId: string, text: string, source: string): Promise<void> {
  const value = create(OperatorMessageSchema, {
    eventId,
    conversationId,
    operator: { id: `${source}:ann`, name: 'Ann', source },
    text,
    sentAt: now(),
    kind: OperatorMessageKind.MESSAGE,
  });
  await h.publisher.publish(Topics.outbound, [{ key: conversationId, value }]);
}

async function note(conversationId: string, eventId: string, text: string, source: string): Promise<void> {
  const value = create(StatusEventSchema, {
    eventId,
    conversationId,
    change: StatusChange.NOTE,
    actor: { id: `${source}:bo`, name: 'Bo', source },
    at: now(),
    note: text,
  });
  await h.publisher.publish(Topics.status, [{ key: conversationId, value }]);
}

async function thread(conversationId: string, atLeast: number, what: string): Promise<SandboxMessage[]> {
  const root = await h.rootOf(conversationId);
  return eventually(
    async () => h.repliesTo(await h.messages(), root),
    (r) => r.length >= atLeast,
    30000,
    what,
  );
}

describe('the Slack thread shows the whole conversation', () => {
  it('threads the bot’s replies with the user’s messages', async () => {
    await h.publish(
      start('t-bot', 'where is my order?'),
      message('t-bot', 't-bot:2', 'Let me look that up.', { direction: Direction.BOT }),
      message('t-bot', 't-bot:3', 'thanks'),
    );
    const replies = await thread('t-bot', 2, 'the bot reply and the user message');
    expect(replies.map((r) => r.text)).toEqual(['*Bot*: Let me look that up.', '*User*: thanks']);
  });

  it('posts a console reply once, also when bot.outbound delivers it again', async () => {
    await h.publish(start('t-console'));
    await h.rootOf('t-console');
    await operatorSays('t-console', 'out-1', 'Refund sent <!channel>', 'console');
    await thread('t-console', 1, 'the operator reply');
    // Redelivered (a crash before the offset was committed): the same message, once more.
    await operatorSays('t-console', 'out-1', 'Refund sent <!channel>', 'console');
    await h.publish(message('t-console', 't-console:2', 'sentinel'));
    const replies = await thread('t-console', 2, 'the sentinel');
    expect(replies.map((r) => r.text)).toEqual([
      ':speech_balloon: *Ann* (operator): Refund sent &lt;!channel&gt;',
      '*User*: sentinel',
    ]);
    expect(replies.every((r) => r.mentions.length === 0)).toBe(true);
    expect(replies[0].metadata?.event_payload).toMatchObject({
      conversation_id: 't-console',
      event_id: 'outbound:out-1',
    });
  });

  it('does not post again an operator line that reached Slack before a crash', async () => {
    // What a notifier killed right after Slack took the line leaves: its intent marker, no done-mark.
    await h.publish(start('t-crash'));
    const root = await h.rootOf('t-crash');
    await h.redis.set(h.keys.notifierPostIntent('outbound:out-crash'), String(Date.now()));
    const slack = new WebClient('xoxb-notifier-test', { slackApiUrl: h.sandbox.slackApiUrl });
    await slack.chat.postMessage({
      channel: root.channel,
      thread_ts: root.ts,
      text: ':speech_balloon: *Ann* (operator): posted before the crash',
      metadata: {
        event_type: 'switchboard_message',
        event_payload: { conversation_id: 't-crash', event_id: 'outbound:out-crash' },
      },
    });
    const found = await h.metric('switchboard_notifier_post_recoveries_total', { outcome: 'found' });
    await operatorSays('t-crash', 'out-crash', 'posted before the crash', 'console');
    await h.metricReaches('switchboard_notifier_post_recoveries_total', { outcome: 'found' }, found + 1);
    await operatorSays('t-crash', 'out-after', 'after the restart', 'console');
    const replies = await thread('t-crash', 2, 'the line after the restart');
    expect(replies.map((r) => r.text)).toEqual([
      ':speech_balloon: *Ann* (operator): posted before the crash',
      ':speech_balloon: *Ann* (operator): after the restart',
    ]);
  });

  it('does not echo a reply or a note typed in Slack, and marks a console note as a note', async () => {
    await h.publish(start('t-slack'));
    await h.rootOf('t-slack');
    await operatorSays('t-slack', 'out-slack', 'typed in the thread', 'slack');
    await note('t-slack', 'note-slack', 'typed as note: in the thread', 'slack');
    await note('t-slack', 'note-console', 'VIP customer', 'console');
    await operatorSays('t-slack', 'out-console', 'hello from the console', 'console');
    const replies = await thread('t-slack', 2, 'the note and the console reply');
    const texts = replies.map((r) => r.text);
    // conv.status and bot.outbound are separate topics: their lines keep each topic's order, not a common one.
    expect(texts).toHaveLength(2);
    expect(texts).toEqual(
      expect.arrayContaining([
        ':memo: *Internal note* by *Bo*\n>VIP customer',
        ':speech_balloon: *Ann* (operator): hello from the console',
      ]),
    );
  });

  it('shows state changes as short lines, after the root shows them', async () => {
    await h.publish(start('t-state'));
    await h.rootOf('t-state');
    await h.status('t-state', StatusChange.REVIEWED, 'Ann');
    await h.status('t-state', StatusChange.TAKEOVER_STARTED, 'Bo');
    await h.status('t-state', StatusChange.CLOSED, 'Bo');
    const replies = await thread('t-state', 3, 'three state lines');
    expect(replies.map((r) => r.text)).toEqual([
      ':eyes: _reviewed by_ *Ann*',
      ':raising_hand: _taken over by_ *Bo*',
      ':white_check_mark: _closed by_ *Bo*',
    ]);
  });

  it('links attachments and shows images, falling back to links when Slack cannot fetch an image', async () => {
    const withFiles = message('t-files', 't-files:2', 'look');
    withFiles.message!.attachments = [
      create(AttachmentSchema, { type: 'image/png', url: 'https://files.example/cat.png', name: 'cat.png' }),
      create(AttachmentSchema, { type: 'file', url: 'https://files.example/invoice.pdf', name: 'invoice.pdf' }),
    ];
    const broken = message('t-files', 't-files:3', 'and this');
    broken.message!.attachments = [
      create(AttachmentSchema, { type: 'image/png', url: 'https://images.invalid/dog.png', name: 'dog.png' }),
    ];
    await h.publish(start('t-files'), withFiles, broken);
    const replies = await thread('t-files', 2, 'two replies with attachments');
    expect(replies[0].text).toBe(
      '*User*: look\n:paperclip: <https://files.example/cat.png|cat.png>, <https://files.example/invoice.pdf|invoice.pdf>',
    );
    expect(replies[0].blocks?.map((b) => b.type)).toEqual(['section', 'image']);
    expect(replies[1].text).toBe('*User*: and this\n:paperclip: <https://images.invalid/dog.png|dog.png>');
    expect(replies[1].blocks?.map((b) => b.type)).toEqual(['section']);
  });
});
