// What the reopen consumer keeps in Redis: two done-marks per message (the decision taken, the event published)
// and, read for a whole fetch in one script call, each message's marks and its conversation's summary.
import { DoneMarks, hashFromPairs, type Redis } from '@switchboard/store';
import { TAKE_STEP, countsStep, runSteps } from '../script-steps';
import type { StatusKeys } from '../status-keys';
import { summaryFromHash, type ConversationSummary } from './conversation-state';
import { SUMMARY_STEPS, type ConversationIndex } from './conversations';

// Steps: (counts: messages, conversations), each message's done and decided marks, each conversation's summary.
// Returns {{done (0/1), decided (0/1)} per message, {each summary as a flat list}}.
const READ = `${SUMMARY_STEPS}${TAKE_STEP}
local _, counts = take()
local marks, summaries = {}, {}
for i = 1, tonumber(counts[1]) do
  local k = take()
  marks[i] = {redis.call('EXISTS', k[1]), redis.call('EXISTS', k[2])}
end
for i = 1, tonumber(counts[2]) do summaries[i] = read_summary(take()) end
return {marks, summaries}`;

/** What the decision on one message needs. */
export interface ReopenFacts {
  /** REOPENED is published for it: nothing is left to do. */
  finished: boolean;
  /** It was decided that it reopens (a crash may have come before the event was published). */
  decided: boolean;
  summary: ConversationSummary | null;
}

export class ReopenStore {
  private readonly decidedMarks: DoneMarks;
  private readonly doneMarks: DoneMarks;

  constructor(
    private readonly redis: Redis,
    keys: StatusKeys,
    private readonly conversations: ConversationIndex,
  ) {
    this.decidedMarks = new DoneMarks(redis, keys, 'status-reopen-decided');
    this.doneMarks = new DoneMarks(redis, keys, 'status-reopen');
  }

  /** Each message's facts, in one script call (a conversation's summary is read once). */
  async read(messages: { eventId: string; conversationId: string }[]): Promise<ReopenFacts[]> {
    if (messages.length === 0) return [];
    const ids = [...new Set(messages.map((m) => m.conversationId))];
    const [marks, summaries] = await runSteps<[[number, number][], string[][]]>(this.redis, READ, [
      countsStep(messages.length, ids.length),
      ...messages.map((m) => ({
        keys: [this.doneMarks.keyOf(m.eventId), this.decidedMarks.keyOf(m.eventId)],
        args: [],
      })),
      ...ids.map((id) => this.conversations.readStep(id)),
    ]);
    const summaryOf = new Map(ids.map((id, i) => [id, summaryFromHash(hashFromPairs(summaries[i]))]));
    return messages.map((m, i) => ({
      finished: marks[i][0] === 1,
      decided: marks[i][1] === 1,
      summary: summaryOf.get(m.conversationId)!,
    }));
  }

  markDecided(eventId: string): Promise<void> {
    return this.decidedMarks.markDone(eventId);
  }

  markDone(eventId: string): Promise<void> {
    return this.doneMarks.markDone(eventId);
  }
}
