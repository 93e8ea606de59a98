import { backoffDelay } from '../src/retry';

describe('backoffDelay', () => {
  it('doubles the ceiling per attempt and stays within [ceiling/2, ceiling]', () => {
    expect(backoffDelay(1, { baseMs: 100 }, () => 0)).toBe(50);
    expect(backoffDelay(1, { baseMs: 100 }, () => 1)).toBe(100);
    expect(backoffDelay(3, { baseMs: 100 }, () => 1)).toBe(400);
  });

  it('never exceeds the maximum', () => {
    expect(backoffDelay(40, { baseMs: 100, maxMs: 5000 }, () => 1)).toBe(5000);
  });
});
