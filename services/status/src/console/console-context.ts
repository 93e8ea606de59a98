// What the console's routes are given by main.ts: its stores, the operator directory, the sign-in rules.
import type { Logger } from '@switchboard/core';
import type { ConversationRefs, RateBudget } from '@switchboard/store';
import type { OperatorActions } from '../conversation/actions';
import type { ConversationIndex } from '../conversation/conversations';
import type { DeliveryLog } from '../conversation/delivery-log';
import type { LiveHub } from '../conversation/live';
import type { TakeoverStore } from '../conversation/takeover';
import type { TranscriptStore } from '../conversation/transcript';
import type { OperatorDirectory } from '../operators/operators';
import type { ConsoleAuth } from './console-auth';

export interface ConsoleOptions {
  auth: ConsoleAuth;
  directory: OperatorDirectory;
  actions: OperatorActions;
  conversations: ConversationIndex;
  transcripts: TranscriptStore;
  deliveries: DeliveryLog;
  takeovers: TakeoverStore;
  refs: ConversationRefs;
  live: LiveHub;
  /** Sign-in attempts per client address. */
  loginBudget: RateBudget;
  /** https in CONSOLE_BASE_URL: cookies are Secure. */
  secureCookies: boolean;
  logger: Logger;
}
