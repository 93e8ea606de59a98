// The handoff override: a bot's request for a human is HANDOFF_REQUESTED, at least high, tagged.
import { create, EventKind, MessageEventSchema, Priority } from '@switchboard/proto';
import { withHandoff } from '../src/handoff';

const verdict = (priority: Priority) => ({
  priority,
  matchedRules: [],
  tags: ['billing'],
  denied: false,
  deniedReason: '',
});

describe('withHandoff', () => {
  it('leaves an event without a handoff as the rules classified it', () => {
    const message = create(MessageEventSchema, { text: 'hi' });
    expect(withHandoff(message, EventKind.MESSAGE, verdict(Priority.NORMAL))).toEqual({
      kind: EventKind.MESSAGE,
      ...verdict(Priority.NORMAL),
    });
  });

  it('makes a handoff HANDOFF_REQUESTED, even as the first event, raised to high and tagged with its team', () => {
    const message = create(MessageEventSchema, { handoff: { reason: 'asked for an agent', team: 'billing-ops' } });
    const out = withHandoff(message, EventKind.CONVERSATION_STARTED, verdict(Priority.LOW));
    expect(out.kind).toBe(EventKind.HANDOFF_REQUESTED);
    expect(out.priority).toBe(Priority.HIGH);
    expect(out.tags).toEqual(['billing', 'handoff', 'team:billing-ops']);
  });

  it('keeps an urgent priority urgent', () => {
    const message = create(MessageEventSchema, { handoff: { reason: 'refund dispute' } });
    expect(withHandoff(message, EventKind.MESSAGE, verdict(Priority.URGENT)).priority).toBe(Priority.URGENT);
  });
});
