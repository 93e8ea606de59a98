// The pure parts of the handoff: what the bot's webhook says for each kind, the transcript lines, the
// console's section (the bot's text escaped), and the timeout's event ids (the same on every replica).
import {
  create,
  ClassifiedEventSchema,
  EventKind,
  OperatorMessageKind,
  OperatorMessageSchema,
  StatusChange,
  StatusEventSchema,
} from '@switchboard/proto';
import { webhookBody } from '../../src/bot/bot-webhook';
import { handoffSection } from '../../src/console/console-html';
import { statusLine } from '../../src/conversation/conversation-state';
import { handoffTimeoutIds } from '../../src/conversation/handoff-sweep';
import { operatorEntry, transcriptEntry } from '../../src/conversation/record';
import { fromOperatorMessage } from '../../src/conversation/timeline';

const message = (kind: OperatorMessageKind, text: string) =>
  create(OperatorMessageSchema, {
    eventId: 'e1',
    conversationId: 'bot-a:c1',
    botId: 'bot-a',
    text,
    kind,
    operator: { id: 'system', name: 'no operator within 300 s', source: 'system' },
  });

describe('the handoff, as each surface says it', () => {
  it.each([
    [OperatorMessageKind.MESSAGE, { type: 'operator_message', text: 'hello' }],
    [OperatorMessageKind.UNSPECIFIED, { type: 'operator_message', text: 'hello' }],
    [OperatorMessageKind.HANDED_BACK, { type: 'handed_back', note: 'hello' }],
    [OperatorMessageKind.HANDOFF_TIMEOUT, { type: 'handoff_timeout', reason: 'hello' }],
  ])("gives the bot kind %s as its webhook type, in the bot's own conversation id", (kind, expected) => {
    const body = JSON.parse(webhookBody(message(kind, 'hello')));
    expect(body).toMatchObject({ ...expected, conversationId: 'c1', botId: 'bot-a', eventId: 'e1' });
  });

  it('shows a message-less request in the transcript as the request, and a timeout as a status line', () => {
    const event = create(ClassifiedEventSchema, {
      kind: EventKind.HANDOFF_REQUESTED,
      message: { eventId: 'bot-a:r1', conversationId: 'bot-a:c1', text: '', handoff: { reason: 'asked for an agent' } },
    });
    expect(transcriptEntry(event)).toMatchObject({
      text: 'The bot asks for a human: asked for an agent',
      kind: 'handoff_requested',
    });
    expect(operatorEntry(message(OperatorMessageKind.HANDOFF_TIMEOUT, 'asked for an agent'))).toMatchObject({
      from: 'status',
      text: 'the bot is told: handoff timeout (asked for an agent)',
    });
    const timedOut = create(StatusEventSchema, {
      change: StatusChange.HANDOFF_TIMED_OUT,
      note: 'asked for an agent',
      actor: { name: 'system' },
    });
    expect(statusLine(timedOut)).toBe(
      'no operator took over in time: handed back to the bot (it had asked for a human: asked for an agent)',
    );
  });

  it("renders the request on the console with the bot's text escaped", () => {
    const html = handoffSection({
      requestId: 'r1',
      reason: '<script>alert(1)</script>',
      summary: 'wants a <b>refund</b>',
      team: 'billing',
      metadata: { 'order"': '<1042>' },
      requestedAt: '2026-11-30T03:00:00.000Z',
      until: '2026-11-30T03:05:00.000Z',
      outcome: 'waiting',
    });
    expect(html).toContain('The bot asks for a human: &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('wants a &lt;b&gt;refund&lt;/b&gt;');
    expect(html).toContain('<dt>order&quot;</dt><dd>&lt;1042&gt;</dd>');
    expect(html).toContain('back to the bot at 2026-11-30 03:05:00 UTC');
    expect(html).not.toContain('<script>');
  });

  it('counts only a message to the user as a human reply on the timeline, not a control change', () => {
    expect(fromOperatorMessage(message(OperatorMessageKind.MESSAGE, 'hi'))).toMatchObject({ kind: 'operator_message' });
    expect(fromOperatorMessage(message(OperatorMessageKind.HANDED_BACK, 'note'))).toBeNull();
    expect(fromOperatorMessage(message(OperatorMessageKind.HANDOFF_TIMEOUT, 'reason'))).toBeNull();
  });

  it("derives the timeout's event ids from the request alone", () => {
    expect(handoffTimeoutIds('bot-a:r1')).toEqual(handoffTimeoutIds('bot-a:r1'));
    expect(handoffTimeoutIds('bot-a:r1').status).not.toBe(handoffTimeoutIds('bot-a:r2').status);
  });
});
