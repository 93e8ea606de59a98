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
