// The export's rows: one per conversation from its timeline, its console summary (tags, message count) and
// the Slack/Asana refs; written as CSV (quoted where needed, formula-looking cells defused) or NDJSON. Pure.
import type { AsanaTaskRef, SlackRootRef } from '@switchboard/store';
import type { ConversationSummary } from '../conversation/conversation-state';
import type { Timeline } from '../conversation/timeline';

export const EXPORT_COLUMNS = [
  'id',
  'team',
  'user',
  'platform',
  'priority',
  'tags',
  'started_at',
  'reviewed_at',
  'reviewed_by',
  'taken_over_at',
  'first_human_reply_at',
  'closed_at',
  'spam',
  'messages',
  'asana_task_url',
  'slack_permalink',
] as const;
export type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], string | number | boolean | string[] | null>;

const iso = (ms: string | undefined) => (ms ? new Date(Number(ms)).toISOString() : null);

/** Pure: the row of one conversation. `summary` is null once the console summary expired (no tags, no count). */
export function exportRow(
  t: Timeline,
  summary: ConversationSummary | null,
  slack: SlackRootRef | null,
  task: AsanaTaskRef | null,
): ExportRow {
  return {
    id: t.id,
    team: t.teamName || t.teamId || '',
    user: t.userName || t.userId || '',
    platform: t.platform ?? '',
    priority: t.priority || 'unspecified',
    tags: summary?.tags ?? [],
    started_at: iso(t.startedAt),
    reviewed_at: iso(t.reviewedAt),
    reviewed_by: t.reviewedBy || null,
    taken_over_at: iso(t.takenOverAt),
    first_human_reply_at: iso(t.firstHumanReplyAt),
    // The last close, while it is closed; a reopened conversation has none.
    closed_at: t.closed === '1' ? iso(t.closedAt) : null,
    spam: t.spam === '1',
    messages: summary ? summary.messages : null,
    asana_task_url: task?.permalinkUrl || null,
    slack_permalink: slack?.permalink || null,
  };
}

/** Pure: one CSV cell. A cell a spreadsheet would read as a formula (= + - @, tab, CR first) gets a leading apostrophe. */
export function csvCell(value: ExportRow[keyof ExportRow]): string {
  let text =
    value === null
      ? ''
      : Array.isArray(value)
        ? value.join(';')
        : typeof value === 'boolean'
          ? value
            ? 'true'
            : 'false'
          : String(value);
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvHeader = (): string => `${EXPORT_COLUMNS.join(',')}\r\n`;
export const csvLine = (row: ExportRow): string => `${EXPORT_COLUMNS.map((c) => csvCell(row[c])).join(',')}\r\n`;
export const ndjsonLine = (row: ExportRow): string => `${JSON.stringify(row)}\n`;
