// The stats page's numbers, from the timelines of the conversations started in a window: counts and p50/p90
// time to review and to first human reply, by priority and by operator, and per day. Pure: fold timelines in.
import { priorityLabel, type Timeline } from './timeline';

export interface Durations {
  count: number;
  /** Seconds; null when there is nothing to measure. */
  p50: number | null;
  p90: number | null;
}

export interface StatsRow {
  key: string;
  conversations: number;
  review: Durations;
  reply: Durations;
}

export interface DayRow {
  day: string;
  conversations: number;
  medianReview: number | null;
}

export interface TriageStats {
  conversations: number;
  reviewed: number;
  replied: number;
  closed: number;
  spam: number;
  total: StatsRow;
  byPriority: StatsRow[];
  /** By who reviewed (review times) and who first answered (reply times). */
  byOperator: StatsRow[];
  days: DayRow[];
}

/** Pure: the q-quantile (0..1) of sorted numbers, nearest rank; null for none. */
export function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

const durations = (values: number[]): Durations => {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
};

interface Bucket {
  conversations: number;
  review: number[];
  reply: number[];
}
const bucket = (): Bucket => ({ conversations: 0, review: [], reply: [] });
const row = (key: string, b: Bucket): StatsRow => ({
  key,
  conversations: b.conversations,
  review: durations(b.review),
  reply: durations(b.reply),
});
const PRIORITY_ORDER = ['urgent', 'high', 'normal', 'low', 'unspecified'];

/** Folds timelines (each once) into the stats of a window of days (UTC) from `sinceMs` to `untilMs`. */
export class StatsBuilder {
  private readonly total = bucket();
  private readonly priorities = new Map<string, Bucket>();
  private readonly operators = new Map<string, Bucket>();
  private readonly days = new Map<string, Bucket>();
  private counts = { reviewed: 0, replied: 0, closed: 0, spam: 0 };

  constructor(
    private readonly sinceMs: number,
    private readonly untilMs: number,
  ) {}

  add(t: Timeline): void {
    if (!t.startedAt) return;
    const started = Number(t.startedAt);
    const review = t.reviewedAt ? Math.max(0, (Number(t.reviewedAt) - started) / 1000) : null;
    const reply = t.firstHumanReplyAt ? Math.max(0, (Number(t.firstHumanReplyAt) - started) / 1000) : null;
    const day = new Date(started).toISOString().slice(0, 10);
    const at = (map: Map<string, Bucket>, key: string) => map.get(key) ?? map.set(key, bucket()).get(key)!;
    const targets = [this.total, at(this.priorities, priorityLabel(t.priority)), at(this.days, day)];
    for (const b of targets) {
      b.conversations++;
      if (review !== null) b.review.push(review);
      if (reply !== null) b.reply.push(reply);
    }
    if (review !== null) {
      this.counts.reviewed++;
      const who = at(this.operators, t.reviewedBy || 'someone');
      who.review.push(review);
      who.conversations++;
    }
    if (reply !== null) {
      this.counts.replied++;
      const who = at(this.operators, t.firstHumanReplyBy || 'someone');
      who.reply.push(reply);
      if (t.firstHumanReplyBy !== t.reviewedBy || review === null) who.conversations++;
    }
    if (t.firstClosedAt) this.counts.closed++;
    if (t.spam === '1') this.counts.spam++;
  }

  result(): TriageStats {
    const days: DayRow[] = [];
    for (let ms = Date.parse(new Date(this.sinceMs).toISOString().slice(0, 10)); ms < this.untilMs; ms += 86_400_000) {
      const day = new Date(ms).toISOString().slice(0, 10);
      const b = this.days.get(day) ?? bucket();
      days.push({ day, conversations: b.conversations, medianReview: durations(b.review).p50 });
    }
    return {
      conversations: this.total.conversations,
      ...this.counts,
      total: row('all', this.total),
      byPriority: [...this.priorities]
        .sort(([a], [b]) => PRIORITY_ORDER.indexOf(a) - PRIORITY_ORDER.indexOf(b))
        .map(([k, b]) => row(k, b)),
      byOperator: [...this.operators].sort(([a], [b]) => a.localeCompare(b)).map(([k, b]) => row(k, b)),
      days,
    };
  }
}
