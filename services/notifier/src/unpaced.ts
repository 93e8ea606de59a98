// SlackPacing with the budgets off (SWITCHBOARD_BUDGETS=off, bench and development only): every slot is free at
// once and a post is sent without waiting, so a benchmark measures the notifier's own cost, not Slack's pace.
import { SlackPacing, type SlotAnswer } from './pacing';

export class UnpacedSlack extends SlackPacing {
  override async trySlot(): Promise<SlotAnswer> {
    return { now: true, booked: true, waitMs: 0 };
  }

  override async waitFor(): Promise<void> {}

  override async waitForPost(): Promise<void> {}

  override post<T>(_channel: string, send: () => Promise<T>): Promise<T> {
    return send();
  }

  override async updateSlotWithin(): Promise<boolean> {
    return true;
  }

  override async waitForUpdate(): Promise<void> {}
}
