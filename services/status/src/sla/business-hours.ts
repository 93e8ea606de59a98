// Business hours in a time zone: deadlines only run while they are open. Pure, with Intl for the zone's
// offsets (so a DST change moves the opening hour with the wall clock, not with UTC); no dependency.

export type Weekday = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';
export const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export interface BusinessHours {
  timeZone: string;
  days: Weekday[];
  /** Minutes after local midnight: open at `openMinute`, closed from `closeMinute` (exclusive). */
  openMinute: number;
  closeMinute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (`Europe/Berlin`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** The wall-clock date and time of an instant in a zone. */
function localParts(ms: number, timeZone: string): LocalDate & { hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** The zone's offset from UTC at an instant, in ms (Berlin in summer: +2 h). */
function offsetAt(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in the zone. A time the DST change skips comes out an hour later
 * (02:30 on the spring morning is 03:30), a time it repeats comes out as its first occurrence.
 */
export function zonedInstant(date: LocalDate, minuteOfDay: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  let guess = wall - offsetAt(wall, timeZone);
  guess = wall - offsetAt(guess, timeZone);
  return guess;
}

const nextDate = ({ year, month, day }: LocalDate): LocalDate => {
  const d = new Date(Date.UTC(year, month - 1, day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

/**
 * The instant `durationMs` of open time after `startMs`: time outside the hours does not count, so a
 * deadline set on Friday evening runs on from Monday's opening. With no hours, plain addition. A duration
 * of zero at a closed time is the next opening.
 */
export function addBusinessTime(startMs: number, durationMs: number, hours: BusinessHours | undefined): number {
  if (!hours) return startMs + durationMs;
  if (hours.days.length === 0 || hours.openMinute >= hours.closeMinute)
    throw new Error('business hours must have at least one day and open before they close');
  let remaining = durationMs;
  let t = startMs;
  let date: LocalDate = localParts(startMs, hours.timeZone);
  // Enough days for any duration a policy can write (a week holds at least one open day).
  for (let i = 0; i < 10_000; i += 1) {
    const weekday = WEEKDAYS[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()];
    if (hours.days.includes(weekday)) {
      const open = zonedInstant(date, hours.openMinute, hours.timeZone);
      const close = zonedInstant(date, hours.closeMinute, hours.timeZone);
      if (t < open) t = open;
      if (t < close) {
        if (remaining <= close - t) return t + remaining;
        remaining -= close - t;
        t = close;
      }
    }
    date = nextDate(date);
    t = Math.max(t, zonedInstant(date, 0, hours.timeZone));
  }
  throw new Error(`business hours never hold ${durationMs} ms after ${new Date(startMs).toISOString()}`);
}
