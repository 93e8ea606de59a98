// Which operator buttons a conversation's root message offers in each state, and the buttons that change
// its open/closed state and owner (Close, Reopen, Assign to me). Pure; render.ts draws them.
import { SLACK_ACTION_IDS } from '@switchboard/agreements';
import type { StatusView } from './conversation';

export type ButtonName = 'reviewed' | 'spam' | 'takeover' | 'handback' | 'not_spam' | 'assign_me' | 'close' | 'reopen';

export interface ButtonSpec {
  label: string;
  actionId: string;
  style?: 'primary' | 'danger';
}

/** The buttons about the conversation's lifecycle and owner; the status service handles their clicks. */
export const STATE_BUTTONS: Record<'assign_me' | 'close' | 'reopen', ButtonSpec> = {
  assign_me: { label: 'Assign to me', actionId: SLACK_ACTION_IDS.assignMe },
  close: { label: 'Close', actionId: SLACK_ACTION_IDS.close },
  reopen: { label: 'Reopen', actionId: SLACK_ACTION_IDS.reopen },
};

/**
 * The buttons for a state: spam offers only Not spam, a closed conversation only Reopen; an open one its
 * triage buttons (Take over first while the bot waits for a human), then Assign to me and Close.
 */
export function buttonsFor(view: StatusView): ButtonName[] {
  if (view.spamBy) return ['not_spam'];
  if (view.closedBy) return ['reopen'];
  const triage: ButtonName[] = view.takenOverBy
    ? ['handback']
    : view.handoff
      ? view.reviewedBy
        ? ['takeover', 'spam']
        : ['takeover', 'reviewed', 'spam']
      : view.reviewedBy
        ? ['spam', 'takeover']
        : ['reviewed', 'spam', 'takeover'];
  return [...triage, 'assign_me', 'close'];
}
