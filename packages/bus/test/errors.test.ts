import { CONTENTION, PermanentError, UnavailableError, decideFailure } from '../src/errors';

describe('decideFailure', () => {
  it('sends permanent errors to the DLQ at once', () => {
    expect(decideFailure(new PermanentError('slack: channel_not_found', 'slack_channel_not_found'), 1, 5)).toEqual({
      action: 'dlq',
      reason: 'slack_channel_not_found',
    });
  });

  it('retries an unavailable dependency without limit, honouring Retry-After', () => {
    expect(decideFailure(new UnavailableError('429', 'slack', 3000), 99, 5)).toEqual({
      action: 'retry',
      delayMs: 3000,
      unlimited: true,
      blocking: true,
    });
    expect(decideFailure(new Error('Connection is closed.'), 50, 5, () => true)).toEqual({
      action: 'retry',
      unlimited: true,
      blocking: true,
    });
  });

  it('retries another replica holding a lock without limit, without reporting the consumer not ready', () => {
    expect(decideFailure(new UnavailableError('another replica has it', CONTENTION, 500), 7, 5)).toEqual({
      action: 'retry',
      delayMs: 500,
      unlimited: true,
      blocking: false,
    });
  });

  it('retries a surprise a few times, then gives up to the DLQ', () => {
    expect(decideFailure(new TypeError('x is undefined'), 4, 5)).toEqual({ action: 'retry', unlimited: false });
    expect(decideFailure(new TypeError('x is undefined'), 5, 5)).toEqual({ action: 'dlq', reason: 'handler_failed' });
  });
});
