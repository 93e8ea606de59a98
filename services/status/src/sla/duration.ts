// Durations as the SLA policy file writes them: a whole number and a unit, `45s`, `15m`, `2h`, `1d`.
// Pure: text in, milliseconds out (or null with no guessing: `15` alone and `1.5h` are refused).

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or null when the text is not `<whole number><s|m|h|d>` above zero. */
export function parseDuration(text: string): number | null {
  const match = /^([1-9][0-9]{0,8})([smhd])$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[match[2]];
}

/** The other way, for messages: the largest unit that divides exactly (`90m` stays `90m`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's']) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

/** How long something has waited, in words a person reads at a glance: `40 s`, `17 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatWaited(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}
