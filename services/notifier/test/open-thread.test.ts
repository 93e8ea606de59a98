// "Open thread": a digest's lines with their buttons (pure: as many lines as fit get their own section and
// button, high ones first; the rest are packed; a line moved to its own thread says so, links it, has no button),
// and THREAD_OPENED end to end: the conversation's own root once (also after a crash), its later lines there.
import { WebClient } from '@slack/web-api';
import { Topics } from '@switchboard/bus';
import { EventKind, Priority, StatusChange, StatusEventSchema, create } from '@switchboard/proto';
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { ConversationRefs, Locks } from '@switchboard/store';
import { digestLine, renderDigest, type DigestEntry } from '../src/digest';
import { DigestStore } from '../src/digest-store';
import { MAX_DIGEST_SIZE } from '../src/limits';
import { LOCK_SCOPES } from '../src/post-markers';
import { classified, summary } from './fixtures';
import { NotifierHarness, eventually, type SandboxMessage } from './harness';

jest.setTimeout(120000);

const entry = (i: number, priority = Priority.NORMAL): DigestEntry => ({
  summary: summary(`message ${i}`, { conversationId: `bot:c${i}`, priority }),
  transcriptUrl: `http://console/conversations/c${i}`,
  taskUrl: `http://console/conversations/c${i}/task`,
});

type Block = { type: string; text?: { text: string }; accessory?: { action_id: string; value: string } };
const blocksOf = (entries: DigestEntry[]) => renderDigest(entries).blocks as Block[];

describe('Open thread on a digest', () => {
  it('gives each line of a small digest its own section and button, high ones first', () => {
    const blocks = blocksOf([entry(1), entry(2, Priority.HIGH)]);
    const buttons = blocks.filter((b) => b.accessory).map((b) => b.accessory!);
    expect(buttons).toEqual([
      expect.objectContaining({ action_id: SLACK_ACTION_IDS.openThread, value: 'bot:c2' }),
      expect.objectContaining({ action_id: SLACK_ACTION_IDS.openThread, value: 'bot:c1' }),
    ]);
  });

  it('fits the largest digest within 50 blocks, with buttons for as many lines as fit', () => {
    const entries = Array.from({ length: MAX_DIGEST_SIZE }, (_, i) => entry(i));
    const blocks = blocksOf(entries);
    expect(blocks.length).toBeLessThanOrEqual(50);
    const buttons = blocks.filter((b) => b.accessory).length;
    expect(buttons).toBeGreaterThan(0);
    const json = JSON.stringify(blocks);
    for (const e of entries) expect(json).toContain(`conversations/c${e.summary.conversationId.slice(5)}|`);
  });

  it('marks a line moved to its own thread, with its link, and offers no button for it', () => {
    const moved = { ...entry(1), movedTo: { permalink: 'https://slack.example/archives/C1/p1' } };
    expect(digestLine(moved)).toContain(':arrow_right: <https://slack.example/archives/C1/p1|moved to its own thread>');
    const blocks = blocksOf([moved, entry(2)]);
    const line = blocks.find((b) => b.text?.text.includes('message 1'))!;
    expect(line.accessory).toBeUndefined();
    expect(blocks.find((b) => b.text?.text.includes('message 2'))!.accessory?.value).toBe('bot:c2');
  });
});

// End to end on the real broker and Redis, with the sandbox as Slack (needs `npx tsc -b services/notifier`).
describe('Open thread, end to end', () => {
  const h = new NotifierHarness({ NOTIFIER_POST_INTERVAL_MS: '150', NOTIFIER_DIGEST_AFTER_MS: '60000' });
  beforeAll(() => h.start(), 120000);
  afterAll(() => h.stop());

  /** Two conversations listed in one digest, as a burst leaves them. */
  async function digestOf(a: string, b: string): Promise<SandboxMessage> {
    const held = await new Locks(h.redis, h.keys, LOCK_SCOPES.digest, { ttlMs: 20000 }).acquire('#triage');
    expect(held).not.toBeNull();
    const digests = new DigestStore(h.redis, h.keys);
    await digests.enqueue('#triage', summary(`first words of ${a}`, { conversationId: a, eventId: `${a}:1` }));
    await digests.enqueue('#triage', summary(`first words of ${b}`, { conversationId: b, eventId: `${b}:1` }));
    await held!.release();
    return (await eventually(
      async () =>
        (await h.messages()).find(
          (m) => m.metadata?.event_type === 'switchboard_digest' && JSON.stringify(m.blocks).includes(a),
        ),
      Boolean,
      30000,
      'the digest',
    )) as SandboxMessage;
  }

  const opened = (conversationId: string, eventId: string) =>
    h.publisher.publish(Topics.status, [
      {
        key: conversationId,
        value: create(StatusEventSchema, {
          eventId,
          conversationId,
          change: StatusChange.THREAD_OPENED,
          actor: { id: 'U1', name: 'Ann', source: 'slack' },
        }),
      },
    ]);

  it('posts the conversation’s own root once, marks its digest line, and threads its later messages there', async () => {
    const digest = await digestOf('o-a', 'o-b');
    await opened('o-a', 'open-1');
    await opened('o-a', 'open-1'); // redelivered
    await opened('o-a', 'open-2'); // clicked again by someone else
    const root = await h.rootOf('o-a');
    expect(root.text).toContain('first words of o-a');
    const marked = await eventually(
      async () => (await h.messages()).find((m) => m.ts === digest.ts)!,
      (m) => JSON.stringify(m.blocks).includes('moved to its own thread'),
      30000,
      'the digest line marked',
    );
    expect(marked.edits).toBeGreaterThanOrEqual(1);
    const channelId = (root as SandboxMessage & { channel_id: string }).channel_id;
    expect(await new ConversationRefs(h.redis, h.keys).conversationOfThread(channelId, root.ts)).toBe('o-a');
    await h.publish(classified('a follow-up', { conversationId: 'o-a', eventId: 'o-a:2', kind: EventKind.MESSAGE }));
    const [reply] = await eventually(
      async () => h.repliesTo(await h.messages(), root),
      (r) => r.length >= 1,
      30000,
      'the follow-up',
    );
    expect(reply.text).toBe('*User*: a follow-up');
    expect(NotifierHarness.about(await h.messages(), 'o-a').filter((m) => m.ts !== digest.ts)).toHaveLength(1);
  });

  it('finds a root posted before a crash instead of posting another', async () => {
    const digest = await digestOf('o-c', 'o-d');
    await eventually(
      () => h.redis.hget(h.keys.notifierConversation('o-c'), 'place'),
      (place) => place === 'digest',
      30000,
      'o-c in its digest',
    );
    // What a notifier killed right after Slack took the new root leaves: the posting marker, no record.
    await h.redis.hset(h.keys.notifierConversation('o-c'), {
      place: 'posting',
      posting_at: String(Date.now()),
      promoted_from: JSON.stringify({ channelId: (digest as { channel_id?: string }).channel_id, ts: digest.ts }),
    });
    const slack = new WebClient('xoxb-notifier-test', { slackApiUrl: h.sandbox.slackApiUrl });
    const posted = await slack.chat.postMessage({
      channel: '#triage',
      text: 'first words of o-c',
      metadata: {
        event_type: 'switchboard_conversation',
        event_payload: { conversation_id: 'o-c', event_id: 'o-c:1' },
      },
    });
    const found = await h.metric('switchboard_notifier_post_recoveries_total', { outcome: 'found' });
    await opened('o-c', 'open-c');
    await h.metricReaches('switchboard_notifier_post_recoveries_total', { outcome: 'found' }, found + 1);
    const state = await eventually(
      () => h.redis.hgetall(h.keys.notifierConversation('o-c')),
      (s) => s.place === 'root',
      30000,
      'the root recorded',
    );
    expect(state.ts).toBe(posted.ts);
    const roots = (await h.messages()).filter(
      (m) => !m.thread_ts && m.metadata?.event_payload.conversation_id === 'o-c',
    );
    expect(roots).toHaveLength(1);
  });
});
