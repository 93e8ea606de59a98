// What the ticketer does with a message of a conversation marked spam: pure. A conversation from a user or team
// marked spam gets no task; a task completed as spam is not reopened (nor commented on) by the spammer writing
// again. The marks are the shared ones of packages/store, one truth for every service (the status service writes
// them, before it publishes the SPAM); Not spam clears them, and handling is normal again from the next message.
import type { SpamVerdict } from '@switchboard/store';

export type SpamHandling =
  | { act: 'handle' }
  /** Left alone: no task made, none reopened, no comment. `why` names the mark, for the log and the metric. */
  | { act: 'ignore'; why: 'spam_conversation' | 'spam_user' | 'spam_team' };

export function spamHandling(marks: SpamVerdict): SpamHandling {
  if (marks.conversation) return { act: 'ignore', why: 'spam_conversation' };
  if (marks.user) return { act: 'ignore', why: 'spam_user' };
  if (marks.team) return { act: 'ignore', why: 'spam_team' };
  return { act: 'handle' };
}
