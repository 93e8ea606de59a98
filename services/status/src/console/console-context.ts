// What the console's routes are given by main.ts: its stores, the operator directory, the sign-in rules.
import type { Logger } from '@switchboard/core';
import type { AddressList } from '../addresses';
import type { ConversationRefs, RateBudget } from '@switchboard/store';
import type { OperatorActions } from '../conversation/actions';
import type { ConversationIndex } from '../conversation/conversations';
import type { DeliveryLog } from '../conversation/delivery-log';
import type { LiveHub } from '../conversation/live';
import type { HandoffStore } from '../conversation/handoff';
import type { TakeoverStore } from '../conversation/takeover';
import type { TimelineList } from '../conversation/timeline-list';
import type { TranscriptStore } from '../conversation/transcript';
import type { OperatorDirectory } from '../operators/operators';
import type { InboundOnce } from '../inbound-once';
import type { ConsoleAuth } from './console-auth';
import type { ConsoleSessions } from './console-sessions';
import type { ClockStore } from '../sla/clock-store';

export interface ConsoleOptions {
  auth: ConsoleAuth;
  sessions: ConsoleSessions;
  /** Console form ids already acted on: a form sent again (after a 503) is acted on once. */
  once: InboundOnce;
  directory: OperatorDirectory;
  actions: OperatorActions;
  conversations: ConversationIndex;
  transcripts: TranscriptStore;
  /** Every conversation's timeline, by start: the list, the stats and the export. */
  timelineList: TimelineList;
  deliveries: DeliveryLog;
  takeovers: TakeoverStore;
  handoffs: HandoffStore;
  refs: ConversationRefs;
  live: LiveHub;
  /** The auth proxy's addresses: CONSOLE_TRUSTED_HEADER counts only on connections from these. */
  trustedProxies: AddressList;
  /** Sign-in attempts per client address. */
  loginBudget: RateBudget;
  /** Sign-in attempts per login, whatever the address. */
  loginNameBudget: RateBudget;
  /** https in CONSOLE_BASE_URL: cookies are Secure. */
  secureCookies: boolean;
  /** The deadline clocks, for the queue page; absent: the queue is empty. */
  slaClocks?: ClockStore;
  logger: Logger;
}
