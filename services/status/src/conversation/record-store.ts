// What recording an event does in Redis, in as few script calls as the work allows (the client's cost is per
// command): first what needs no decision (the transcript line, a delivery's first state) together with the reads
// the decisions need (timelines, summaries); then, decided in TypeScript, the version-checked timeline writes,
// the summaries' writes and the live updates, which go out after the writes they announce, in the same call.
import type { ClassifiedEvent, OperatorMessage, StatusEvent } from '@switchboard/proto';
import { hashFromPairs, type Redis } from '@switchboard/store';
import { TAKE_STEP, countsStep, runSteps, type ScriptStep } from '../script-steps';
import { summaryFromHash } from './conversation-state';
import { SUMMARY_STEPS, summariesAfterMessages, type ConversationIndex } from './conversations';
import { RECORD_DELIVERY, type DeliveryLog } from './delivery-log';
import { PUBLISH_UPDATE, type LiveHub, type LiveUpdate } from './live';
import type { Fact, TimelineEvent } from './timeline';
import { APPLY_TIMELINE, READ_TIMELINE, type TimelineReply, type TimelineStore } from './timeline-store';
import { APPEND_ONCE, type TranscriptEntry, type TranscriptStore } from './transcript';

// Steps: (counts: lines, conversations), each line's append, then each conversation's timeline and summary read.
// Returns {{1 or 0 per line: new}, {each timeline read}, {each summary as a flat list}}.
const TAKE_MESSAGES = `${APPEND_ONCE}${READ_TIMELINE}${SUMMARY_STEPS}${TAKE_STEP}
local _, counts = take()
local added, timelines, summaries = {}, {}, {}
for i = 1, tonumber(counts[1]) do added[i] = append_once(take()) end
for i = 1, tonumber(counts[2]) do
  timelines[i] = read_timeline(take())
  summaries[i] = read_summary(take())
end
return {added, timelines, summaries}`;

// Steps: the timeline read, the summary's status fields, the line's append.
// Returns {the timeline read, the summary after as a flat list, 1 or 0: the line was new}.
const TAKE_STATUS = `${READ_TIMELINE}${SUMMARY_STEPS}${APPEND_ONCE}${TAKE_STEP}
local timeline = read_timeline(take())
local summary = record_status(take())
return {timeline, summary, append_once(take())}`;

// Steps: (counts: 1 when the timeline is read, else 0), the timeline read if so, the line's append, the
// delivery's first state and its update, the line's update (published only when the line was new).
// Returns the timeline read, or {}.
const TAKE_OPERATOR_MESSAGE = `${READ_TIMELINE}${APPEND_ONCE}${PUBLISH_UPDATE}${RECORD_DELIVERY}${TAKE_STEP}
local _, counts = take()
local timeline = {}
if counts[1] == '1' then timeline = read_timeline(take()) end
local added = append_once(take())
local k, a = take()
record_delivery(k, a, take())
local entry_keys, entry_args = take()
if added == 1 then publish_update(entry_keys, entry_args) end
return timeline`;

// Steps: (counts: timeline writes, summaries' activity writes, prunes, updates), then those steps in that order.
// Returns each timeline write's result (APPLY_TIMELINE).
const SETTLE = `${APPLY_TIMELINE}${SUMMARY_STEPS}${PUBLISH_UPDATE}${TAKE_STEP}
local _, counts = take()
local results = {}
for i = 1, tonumber(counts[1]) do results[i] = apply_timeline(take()) end
for _ = 1, tonumber(counts[2]) do record_activity(take()) end
for _ = 1, tonumber(counts[3]) do prune_summaries(take()) end
for _ = 1, tonumber(counts[4]) do publish_update(take()) end
return results`;

/** A classified message to record: the event, its transcript line and its view on the timeline. */
export interface MessageRecord {
  event: ClassifiedEvent;
  entry: TranscriptEntry;
  timeline: TimelineEvent;
}

export interface RecordStores {
  transcripts: TranscriptStore;
  conversations: ConversationIndex;
  timelines: TimelineStore;
  deliveries: DeliveryLog;
  live: LiveHub;
}

export class RecordStore {
  constructor(
    private readonly redis: Redis,
    private readonly stores: RecordStores,
  ) {}

  /**
   * Messages (a fetch, or one), in two script calls: the lines appended once and the timelines and summaries
   * read; then each conversation's messages folded in order onto its timeline (version-checked) and its summary,
   * and — when a line was new — the new lines and every summary published. A message already in the transcript
   * (a redelivery) refreshes its summary without counting again. Which lines were new, and the facts of the
   * timeline writes that won.
   */
  async recordMessages(messages: MessageRecord[], nowMs = Date.now()): Promise<{ added: boolean[]; facts: Fact[] }> {
    if (messages.length === 0) return { added: [], facts: [] };
    const { transcripts, conversations, timelines } = this.stores;
    const idOf = (m: MessageRecord) => m.event.message!.conversationId;
    const byConversation = new Map<string, TimelineEvent[]>();
    for (const m of messages) byConversation.set(idOf(m), [...(byConversation.get(idOf(m)) ?? []), m.timeline]);
    const ids = [...byConversation.keys()];
    const [newLines, timelineReads, summaryReads] = await runSteps<[number[], TimelineReply[], string[][]]>(
      this.redis,
      TAKE_MESSAGES,
      [
        countsStep(messages.length, ids.length),
        ...messages.map((m) => transcripts.appendStep(idOf(m), m.entry)),
        ...ids.flatMap((id) => [timelines.readStep(id, 'messages'), conversations.readStep(id)]),
      ],
    );
    const added = newLines.map((n) => n === 1);
    const summaries = summariesAfterMessages(
      new Map(ids.map((id, i) => [id, hashFromPairs(summaryReads[i])])),
      messages.map((m) => m.event),
      added,
    );
    const changes = ids.flatMap((id, i) => {
      const change = timelines.messagesChange(id, timelineReads[i], byConversation.get(id)!);
      return change ? [{ id, change }] : [];
    });
    const updates: LiveUpdate[] = added.some(Boolean)
      ? [
          ...messages
            .filter((_, i) => added[i])
            .map((m) => ({ type: 'entry' as const, conversationId: idOf(m), entry: m.entry })),
          ...ids.map((id) => ({ type: 'summary' as const, conversationId: id, summary: summaries.get(id)!.summary })),
        ]
      : [];
    const results = await this.settle({
      timelines: changes.map((c) => c.change.write),
      activities: ids.map((id) => conversations.activityStep(id, summaries.get(id)!.fields, nowMs)),
      prune: conversations.pruneStep(nowMs),
      updates,
    });
    const facts: Fact[] = [];
    for (const [i, { id, change }] of changes.entries())
      facts.push(...(await timelines.written(id, byConversation.get(id)!, change, results[i])));
    return { added, facts };
  }

  /**
   * A status change, in two script calls: its timeline read, its summary fields written and read back, its line
   * appended once; then the timeline's change (version-checked) and the line (when new) and the summary (when one
   * is kept) published. The facts of the timeline write, if it won.
   */
  async recordStatus(event: StatusEvent, entry: TranscriptEntry, timeline: TimelineEvent): Promise<Fact[]> {
    const { transcripts, conversations, timelines } = this.stores;
    const id = event.conversationId;
    const [read, summaryPairs, added] = await runSteps<[TimelineReply, string[], number]>(this.redis, TAKE_STATUS, [
      timelines.readStep(id, timeline),
      conversations.statusStep(event),
      transcripts.appendStep(id, entry),
    ]);
    const summary = summaryFromHash(hashFromPairs(summaryPairs));
    const change = timelines.change(id, read, timeline);
    const write = 'write' in change ? change : undefined;
    const updates: LiveUpdate[] = [
      ...(added === 1 ? [{ type: 'entry' as const, conversationId: id, entry }] : []),
      ...(summary ? [{ type: 'summary' as const, conversationId: id, summary }] : []),
    ];
    if (!write && updates.length === 0) return [];
    const [result] = await this.settle({ timelines: write ? [write.write] : [], updates });
    return write ? timelines.written(id, [timeline], write, result) : [];
  }

  /**
   * An operator's message, in one script call when its timeline changes nothing: its line appended once, its
   * delivery's first state written (a later one stays) and published, its line published when new, its timeline
   * read; then, if the timeline changes, its version-checked write. The facts of that write, if it won.
   */
  async recordOperatorMessage(
    event: OperatorMessage,
    entry: TranscriptEntry,
    timeline: TimelineEvent | null,
    delivery: 'on_kafka' | 'pending',
  ): Promise<Fact[]> {
    const { transcripts, timelines, deliveries, live } = this.stores;
    const id = event.conversationId;
    const read = await runSteps<TimelineReply>(this.redis, TAKE_OPERATOR_MESSAGE, [
      countsStep(timeline ? 1 : 0),
      ...(timeline ? [timelines.readStep(id, timeline)] : []),
      transcripts.appendStep(id, entry),
      ...deliveries.initialSteps(id, event.eventId, delivery),
      live.updateStep({ type: 'entry', conversationId: id, entry }),
    ]);
    if (!timeline) return [];
    const change = timelines.change(id, read, timeline);
    if (!('write' in change)) return [];
    const [result] = await this.settle({ timelines: [change.write], updates: [] });
    return timelines.written(id, [timeline], change, result);
  }

  /** Timeline writes, the summaries' writes, then the updates that announce them, in one call; the writes' results. */
  private settle(writes: {
    timelines: ScriptStep[];
    activities?: ScriptStep[];
    prune?: ScriptStep;
    updates: LiveUpdate[];
  }) {
    const { timelines, activities = [], prune, updates } = writes;
    return runSteps<number[]>(this.redis, SETTLE, [
      countsStep(timelines.length, activities.length, prune ? 1 : 0, updates.length),
      ...timelines,
      ...activities,
      ...(prune ? [prune] : []),
      ...updates.map((u) => this.stores.live.updateStep(u)),
    ]);
  }
}
