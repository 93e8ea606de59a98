import { Direction, EventKind, Priority, StatusChange } from '@switchboard/proto';
import { decideClassified, placement, replyPlacement, slotWaitLimit, type ClassifiedFacts } from '../src/decide';
import { buttonsFor } from '../src/buttons';
import { applyStatus, type StatusView } from '../src/conversation';
import { classified } from './fixtures';

const later = (o = {}) => classified('hello', { eventId: 'e2', kind: EventKind.MESSAGE, ...o });
const facts = (over: Partial<ClassifiedFacts>): ClassifiedFacts => ({
  event: classified('hi'),
  done: false,
  spamConversation: false,
  spamUser: false,
  spamTeam: false,
  threadMinimum: Priority.NORMAL,
  ...over,
});

describe('decideClassified', () => {
  it.each<[string, Partial<ClassifiedFacts>, unknown]>([
    ['a redelivered event', { done: true }, { act: 'nothing', why: 'duplicate' }],
    ['a denied event', { event: classified('hi', { denied: true }) }, { act: 'suppress', reason: 'denied' }],
    [
      'an event of a spam conversation',
      { spamConversation: true, place: 'root' },
      { act: 'suppress', reason: 'spam_conversation' },
    ],
    ['an event of a spam user', { spamUser: true }, { act: 'suppress', reason: 'spam_user' }],
    ['an event of a spam team', { spamTeam: true }, { act: 'suppress', reason: 'spam_team' }],
    ['the first event of a new conversation', {}, { act: 'place' }],
    ['a later event of a conversation never placed', { event: later() }, { act: 'place' }],
    [
      'an event whose root post was started and not recorded',
      { place: 'posting', firstEventId: 'e1' },
      { act: 'place' },
    ],
    [
      'the first event again, once its conversation is queued',
      { place: 'pending', firstEventId: 'e1' },
      { act: 'nothing', why: 'already_placed' },
    ],
    [
      'the first event again, once posted',
      { place: 'root', firstEventId: 'e1' },
      { act: 'nothing', why: 'already_placed' },
    ],
    [
      'a later event while its conversation waits for a digest',
      { event: later(), place: 'pending', firstEventId: 'e1' },
      { act: 'thread' },
    ],
    ['a later user message', { event: later(), place: 'root', firstEventId: 'e1' }, { act: 'thread' }],
    [
      'a later user message of a digested conversation',
      { event: later(), place: 'digest', firstEventId: 'e1' },
      { act: 'thread' },
    ],
    [
      'a plain bot reply',
      { event: later({ direction: Direction.BOT }), place: 'root', firstEventId: 'e1' },
      { act: 'suppress', reason: 'below_threshold' },
    ],
    [
      'another "conversation started"',
      { event: classified('hi', { eventId: 'e9' }), place: 'root', firstEventId: 'e1' },
      { act: 'nothing', why: 'repeated_start' },
    ],
  ])('%s', (_name, over, action) => {
    expect(decideClassified(facts(over))).toEqual(action);
  });
});

describe('placement', () => {
  const booked = (waitMs = 0) => ({ now: waitMs === 0, booked: true, waitMs });
  const refused = (waitMs: number) => ({ now: false, booked: false, waitMs });
  it.each([
    ['a fresh event asks for a slot', Priority.NORMAL, 0, undefined, 'ask_slot'],
    ['a fresh event with a free slot', Priority.NORMAL, 0, booked(), 'post_now'],
    ['a fresh event with a near slot booked', Priority.NORMAL, 500, booked(2000), 'wait_and_post'],
    ['an event whose slot is too far (none booked)', Priority.HIGH, 0, refused(3001), 'queue'],
    ['an event too late to ask for a slot (a backlog in Kafka)', Priority.NORMAL, 3001, undefined, 'queue'],
    ['an urgent event with a far slot booked', Priority.URGENT, 0, booked(60000), 'wait_and_post'],
    ['a late urgent event', Priority.URGENT, 60000, undefined, 'ask_slot'],
  ])('%s', (_name, priority, ageMs, slot, where) => {
    expect(placement({ priority, ageMs, slot, digestAfterMs: 3000 })).toBe(where);
  });

  it.each([
    ['a fresh event may wait the whole threshold', Priority.NORMAL, 0, 3000],
    ['an event that already waited in Kafka, the rest of it', Priority.HIGH, 1000, 2000],
    ['an event already late, not at all', Priority.NORMAL, 4000, 0],
    ['an urgent event, as long as it takes', Priority.URGENT, 60000, Infinity],
  ])('slot wait limit: %s', (_name, priority, ageMs, limit) => {
    expect(slotWaitLimit({ priority, ageMs, digestAfterMs: 3000 })).toBe(limit);
  });

  it.each([
    ['a fresh reply, nothing queued', Priority.NORMAL, 0, true, false, 'ask_slot'],
    ['a late reply, nothing queued', Priority.NORMAL, 4000, true, false, 'queue'],
    ['a fresh reply behind queued ones: takes them with it', Priority.NORMAL, 0, true, true, 'with_queued'],
    ['a late reply behind queued ones', Priority.NORMAL, 4000, true, true, 'queue'],
    ['an urgent reply behind queued ones (order kept)', Priority.URGENT, 60000, true, true, 'with_queued'],
    ['an urgent reply, nothing queued', Priority.URGENT, 0, true, false, 'ask_slot'],
    ['any reply of a conversation still waiting for its digest', Priority.URGENT, 0, false, false, 'queue'],
  ])('replies: %s', (_name, priority, ageMs, placed, repliesQueued, where) => {
    expect(replyPlacement({ priority, ageMs, placed, repliesQueued, digestAfterMs: 3000 })).toBe(where);
  });
});

describe('applyStatus', () => {
  const step = (view: StatusView, change: StatusChange, by = 'Xavier') => applyStatus(view, change, by, 1000);
  it.each<[string, StatusView, StatusChange, StatusView]>([
    ['reviewed', {}, StatusChange.REVIEWED, { reviewedBy: 'Xavier' }],
    ['spam', { reviewedBy: 'Ann' }, StatusChange.SPAM, { reviewedBy: 'Ann', spamBy: 'Xavier' }],
    ['not spam', { spamBy: 'Yan' }, StatusChange.NOT_SPAM, {}],
    ['taken over', {}, StatusChange.TAKEOVER_STARTED, { takenOverBy: 'Xavier' }],
    ['handed back', { takenOverBy: 'Zoe' }, StatusChange.TAKEOVER_ENDED, {}],
    ['closed', { takenOverBy: 'Zoe' }, StatusChange.CLOSED, { closedBy: 'Xavier' }],
    ['reopened', { closedBy: 'Zoe' }, StatusChange.REOPENED, {}],
  ])('%s', (name, before, change, expected) => {
    const { last, ...rest } = step(before, change);
    expect(rest).toEqual(expected);
    expect(last).toEqual({ change: name.replace(' ', '_'), by: 'Xavier', atMs: 1000 });
  });

  it('ignores notes', () => {
    const view = { reviewedBy: 'Ann' };
    expect(step(view, StatusChange.NOTE)).toBe(view);
  });

  it.each<[StatusView, string[]]>([
    [{}, ['reviewed', 'spam', 'takeover', 'assign_me', 'close']],
    [{ reviewedBy: 'A' }, ['spam', 'takeover', 'assign_me', 'close']],
    [{ takenOverBy: 'A', reviewedBy: 'B' }, ['handback', 'assign_me', 'close']],
    [{ spamBy: 'A', takenOverBy: 'B' }, ['not_spam']],
    [{ closedBy: 'A' }, ['reopen']],
    [{ closedBy: 'A', ownedBy: 'B' }, ['reopen']],
    [{ ownedBy: 'B', reviewedBy: 'A' }, ['spam', 'takeover', 'assign_me', 'close']],
  ])('buttons for %j', (view, buttons) => {
    expect(buttonsFor(view)).toEqual(buttons);
  });
});
