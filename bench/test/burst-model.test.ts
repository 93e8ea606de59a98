import { burstFloor, conversationsIn, floorAt, quantile, rootConversation } from '../burst-model';
import { lineChart } from '../svg';

const shape = {
  conversations: 10_000,
  urgent: 500,
  digestSize: 100,
  slackPostsPerSecond: 1,
  slackBurst: 3,
  asanaPerMinute: 1500,
};

describe('the burst floor', () => {
  it('is an own root per urgent conversation and full digests for the rest, at the channel’s pace', () => {
    const floor = burstFloor(shape);
    expect(floor.slackPosts).toBe(500 + 95);
    expect(floor.slackSeconds).toBe(592);
    expect(floor.asanaSeconds).toBe(400);
    expect(floor.seconds).toBe(592);
  });

  it('rounds a last partial digest up', () => {
    expect(burstFloor({ ...shape, conversations: 201, urgent: 0 }).slackPosts).toBe(3);
  });

  it('grows over time to every conversation, bounded by whichever vendor is slower', () => {
    expect(floorAt(shape, 0)).toBe(0);
    // At 10 s: 13 posts could list 1,300, but Asana made only 250 tasks.
    expect(floorAt(shape, 10)).toBe(250);
    expect(floorAt({ ...shape, asanaPerMinute: 1e9 }, 10)).toBe(1300);
    expect(floorAt(shape, 10_000)).toBe(10_000);
  });
});

describe('reading the sandbox', () => {
  it('finds the bench conversations a message names, once each', () => {
    const text = 'a <http://c/console/conversations/bench%3Aburst-r1-12|transcript> and burst-r1-7, burst-r1-12 again';
    expect(conversationsIn(text, 'burst-r1').sort()).toEqual([12, 7]);
    expect(conversationsIn('burst-r2-5 burst-r1-50x', 'burst-r1')).toEqual([]);
  });

  it('tells a conversation’s own root by its metadata', () => {
    const payload = { conversation_id: 'bench:burst-r1-3', event_id: 'e' };
    expect(rootConversation({ event_type: 'switchboard_conversation', event_payload: payload })).toBe(
      'bench:burst-r1-3',
    );
    expect(rootConversation({ event_type: 'switchboard_digest', event_payload: { batch_id: 'b' } })).toBeUndefined();
    expect(rootConversation(undefined)).toBeUndefined();
  });

  it('takes quantiles by nearest rank', () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([5, 1, 3, 2, 4], 0.99)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('lineChart', () => {
  it('draws each series as a polyline, bounds dashed, with a legend', () => {
    const svg = lineChart({
      title: 'placed',
      xLabel: 's',
      yLabel: 'conversations',
      series: [
        {
          name: 'measured',
          points: [
            [0, 0],
            [10, 100],
          ],
        },
        {
          name: 'floor',
          points: [
            [0, 0],
            [5, 100],
          ],
          dashed: true,
        },
      ],
    });
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('points="70.0,320.0 700.0,50.0"');
    expect(svg).toContain('stroke-dasharray="6 4" points="70.0,320.0 385.0,50.0"');
    expect(svg).toContain('>floor</text>');
  });
});
