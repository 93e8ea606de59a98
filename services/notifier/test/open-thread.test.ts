// A digest's lines with their "Open thread" buttons (pure): as many lines as fit get their own section and
// button, high ones first; the rest are packed; a line moved to its own thread says so, links it, has no button.
import { Priority } from '@switchboard/proto';
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import { digestLine, renderDigest, type DigestEntry } from '../src/digest';
import { MAX_DIGEST_SIZE } from '../src/limits';
import { summary } from './fixtures';

const entry = (i: number, priority = Priority.NORMAL): DigestEntry => ({
  summary: summary(`message ${i}`, { conversationId: `bot:c${i}`, priority }),
  transcriptUrl: `http://console/conversations/c${i}`,
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
