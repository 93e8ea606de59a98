// The triage pages' pure parts: CSV cells (quoting, formula injection), export rows, the stats fold and its
// quantiles, the stats window, the server-drawn plot (escaped, no script), the list's query string.
import { csvCell, csvHeader, csvLine, exportRow, ndjsonLine } from '../../src/console/export-rows';
import { listQuery } from '../../src/console/list-filter';
import { dailyPlot, duration, statsBody, statsWindow } from '../../src/console/stats-page';
import { isoMs } from '../../src/console/triage-routes';
import { quantile, StatsBuilder } from '../../src/conversation/triage-stats';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1, 10);

describe('CSV cells', () => {
  it('quotes separators, quotes and line breaks, and defuses formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"\nbye')).toBe('"say ""hi""\nbye"');
    for (const evil of ['=HYPERLINK("http://x")', '+1+2', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd'])
      expect(csvCell(evil).replace(/^"/, '').startsWith("'")).toBe(true);
    expect(csvCell('=1,2')).toBe(`"'=1,2"`);
    expect(csvCell(['vip', '=evil'])).toBe('vip;=evil');
    expect(csvCell(['=evil', 'vip'])).toBe("'=evil;vip");
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(12)).toBe('12');
  });

  it('writes a row per conversation with the refs, as CSV and NDJSON', () => {
    const t = {
      id: 'c1',
      startedAt: String(T0),
      reviewedAt: String(T0 + 60_000),
      reviewedBy: 'Olga',
      teamName: '=Acme',
      userName: 'Ann, "A"',
      platform: 'web',
      priority: 'high',
      closed: '1',
      closedAt: String(T0 + 600_000),
      spam: '',
    };
    const summary = { tags: ['refund', 'vip'], messages: 4 } as Parameters<typeof exportRow>[1];
    const row = exportRow(
      t,
      summary,
      { channel: 'C1', ts: '1.0', permalink: 'https://slack.test/p1' },
      { gid: '12', permalinkUrl: 'https://asana.test/12' },
    );
    expect(csvHeader()).toBe(
      'id,team,user,platform,priority,tags,started_at,reviewed_at,reviewed_by,taken_over_at,first_human_reply_at,closed_at,spam,messages,asana_task_url,slack_permalink\r\n',
    );
    expect(csvLine(row)).toBe(
      `c1,'=Acme,"Ann, ""A""",web,high,refund;vip,2026-03-01T10:00:00.000Z,2026-03-01T10:01:00.000Z,Olga,,,2026-03-01T10:10:00.000Z,false,4,https://asana.test/12,https://slack.test/p1\r\n`,
    );
    expect(JSON.parse(ndjsonLine(row))).toMatchObject({
      id: 'c1',
      team: '=Acme',
      tags: ['refund', 'vip'],
      messages: 4,
      spam: false,
      taken_over_at: null,
    });
    expect(exportRow({ id: 'c2', startedAt: String(T0) }, null, null, null)).toMatchObject({
      messages: null,
      tags: [],
      priority: 'unspecified',
      closed_at: null,
    });
  });
});

describe('stats', () => {
  it('takes nearest-rank quantiles', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBe(9);
  });

  it('folds timelines by priority, operator and day', () => {
    const b = new StatsBuilder(T0 - 10 * 3600_000, T0 + 2 * DAY);
    b.add({
      id: 'a',
      startedAt: String(T0),
      priority: 'high',
      reviewedAt: String(T0 + 30_000),
      reviewedBy: 'Olga',
      firstHumanReplyAt: String(T0 + 60_000),
      firstHumanReplyBy: 'Olga',
    });
    b.add({ id: 'b', startedAt: String(T0), priority: 'high', reviewedAt: String(T0 + 90_000), reviewedBy: 'Pete' });
    b.add({ id: 'c', startedAt: String(T0 + DAY), priority: 'low', spam: '1', firstClosedAt: String(T0 + DAY + 1) });
    const s = b.result();
    expect({
      conversations: s.conversations,
      reviewed: s.reviewed,
      replied: s.replied,
      closed: s.closed,
      spam: s.spam,
    }).toEqual({ conversations: 3, reviewed: 2, replied: 1, closed: 1, spam: 1 });
    expect(s.byPriority.map((r) => [r.key, r.conversations, r.review.p50, r.review.p90])).toEqual([
      ['high', 2, 30, 90],
      ['low', 1, null, null],
    ]);
    expect(s.byOperator.map((r) => [r.key, r.conversations, r.review.count, r.reply.count])).toEqual([
      ['Olga', 1, 1, 1],
      ['Pete', 1, 1, 0],
    ]);
    expect(s.days).toEqual([
      { day: '2026-03-01', conversations: 2, medianReview: 30 },
      { day: '2026-03-02', conversations: 1, medianReview: null },
      { day: '2026-03-03', conversations: 0, medianReview: null },
    ]);
  });

  it('reads the window: today, 7 and 30 days, custom; refuses the rest with a reason', () => {
    const now = T0;
    expect(statsWindow({ window: 'today' }, now)).toMatchObject({
      from: '2026-03-01',
      to: '2026-03-01',
      sinceMs: Date.UTC(2026, 2, 1),
    });
    expect(statsWindow({}, now)).toMatchObject({ window: '7d', from: '2026-02-23', to: '2026-03-01' });
    expect(statsWindow({ window: '30d' }, now)).toMatchObject({ from: '2026-01-31' });
    expect(statsWindow({ window: 'custom', from: '2026-01-01', to: '2026-01-31' }, now)).toMatchObject({
      sinceMs: Date.UTC(2026, 0, 1),
      untilMs: Date.UTC(2026, 1, 1),
    });
    expect(statsWindow({ window: 'year' }, now)).toHaveProperty('error');
    expect(statsWindow({ window: 'custom', from: '2026-02-30', to: '2026-03-01' }, now)).toHaveProperty('error');
    expect(statsWindow({ window: 'custom', from: '2026-03-01', to: '2026-02-01' }, now)).toHaveProperty('error');
    expect(statsWindow({ window: 'custom', from: '2025-01-01', to: '2026-03-01' }, now)).toHaveProperty('error');
  });

  it('draws the plot with escaped text and no script, and renders the page with escaped operator names', () => {
    const svg = dailyPlot([
      { day: '2026-03-01', conversations: 4, medianReview: 120 },
      { day: '2026-03-02', conversations: 0, medianReview: null },
      { day: '2026-03-03', conversations: 2, medianReview: 600 },
    ]);
    expect(svg).toMatch(/^<svg id="daily-plot"/);
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(3);
    expect(svg).toContain('<polyline class="median"');
    expect(svg).not.toMatch(/<script|style=|on\w+=/i);
    const b = new StatsBuilder(T0, T0 + DAY);
    b.add({
      id: 'a',
      startedAt: String(T0),
      reviewedAt: String(T0 + 1000),
      reviewedBy: '<img src=x onerror=alert(1)>',
    });
    const html = statsBody(
      statsWindow({ window: 'today' }, T0) as Exclude<ReturnType<typeof statsWindow>, { error: string }>,
      b.result(),
    );
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('<img');
    expect(html).toContain('What these numbers mean');
    expect(duration(45)).toBe('45 s');
    expect(duration(200)).toBe('3 m 20 s');
    expect(duration(7500)).toBe('2 h 5 m');
    expect(duration(null)).toBe('–');
  });
});

describe('the list and export queries', () => {
  it('reads filters, dates and cursors; refuses malformed dates and cursors', () => {
    expect(
      listQuery({
        status: 'reviewed',
        priority: 'urgent',
        team: 'Acme',
        operator: 'olga',
        from: '2026-03-01',
        to: '2026-03-02',
        cursor: '1772359200000:c1',
      }),
    ).toMatchObject({
      timeline: {
        state: 'reviewed',
        priority: 'urgent',
        team: 'Acme',
        operator: 'olga',
        sinceMs: Date.UTC(2026, 2, 1),
        untilMs: Date.UTC(2026, 2, 3),
      },
      cursor: { score: 1772359200000, id: 'c1' },
    });
    expect(listQuery({ status: 'whatever', priority: 'meh' })).toMatchObject({
      timeline: { state: undefined, priority: undefined },
    });
    expect(listQuery({ from: '03/01/2026' })).toHaveProperty('error');
    expect(listQuery({ cursor: 'nope' })).toHaveProperty('error');
    expect(isoMs('2026-03-01')).toBe(Date.UTC(2026, 2, 1));
    expect(isoMs('2026-03-01T10:00:00Z')).toBe(T0);
    expect(isoMs('2026-03-01T12:00:00+02:00')).toBe(T0);
    expect(isoMs('yesterday')).toBeNull();
    expect(isoMs('2026-13-01')).toBeNull();
  });
});
