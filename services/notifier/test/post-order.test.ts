// Which waiting post takes a channel's next slot (post-order.ts): urgent roots, then high ones, then the rest in
// the order they began to wait, and none deferred past the bound.
import { Priority } from '@switchboard/proto';
import { lookAgainMs, postOrder, postsAhead, rootPrecedence, type WaitingPost } from '../src/post-order';

const post = (id: string, precedence: WaitingPost['precedence'], sinceMs: number): WaitingPost => ({
  id,
  precedence,
  sinceMs,
});
const ids = (posts: WaitingPost[]) => posts.map((p) => p.id);
const MAX_DEFER = 30000;

describe('the order of posts waiting for a channel', () => {
  it('ranks a root by its priority, and everything else after', () => {
    expect(rootPrecedence(Priority.URGENT)).toBe('urgent');
    expect(rootPrecedence(Priority.HIGH)).toBe('high');
    expect(rootPrecedence(Priority.NORMAL)).toBe('other');
    expect(rootPrecedence(Priority.LOW)).toBe('other');
  });

  it('puts urgent roots first, then high ones, then the rest, each in the order they began to wait', () => {
    const waiting = [
      post('digest', 'other', 1000),
      post('reply', 'other', 1100),
      post('high', 'high', 1200),
      post('urgent-2', 'urgent', 1400),
      post('urgent-1', 'urgent', 1300),
      post('root', 'other', 1050),
    ];
    expect(ids(postOrder(waiting, 2000, MAX_DEFER))).toEqual([
      'urgent-1',
      'urgent-2',
      'high',
      'digest',
      'root',
      'reply',
    ]);
  });

  it('lets a post that has waited the bound go before every post that began to wait after it', () => {
    const waiting = [
      post('digest', 'other', 0),
      post('urgent-early', 'urgent', -5),
      post('urgent-late', 'urgent', 100),
    ];
    expect(ids(postOrder(waiting, MAX_DEFER - 1, MAX_DEFER))).toEqual(['urgent-early', 'urgent-late', 'digest']);
    expect(ids(postOrder(waiting, MAX_DEFER, MAX_DEFER))).toEqual(['urgent-early', 'digest', 'urgent-late']);
  });

  it('reads the same order whatever order the room lists them in (ties broken by id)', () => {
    const waiting = [post('b', 'other', 10), post('a', 'other', 10), post('c', 'high', 10)];
    expect(ids(postOrder(waiting, 20, MAX_DEFER))).toEqual(['c', 'a', 'b']);
    expect(ids(postOrder([...waiting].reverse(), 20, MAX_DEFER))).toEqual(['c', 'a', 'b']);
  });

  it('counts the posts ahead of a newcomer of each precedence', () => {
    const waiting = [post('digest', 'other', 0), post('high', 'high', 10), post('urgent', 'urgent', 20)];
    expect(postsAhead([], 'other', 100, MAX_DEFER)).toBe(0);
    expect(postsAhead(waiting, 'other', 100, MAX_DEFER)).toBe(3);
    expect(postsAhead(waiting, 'high', 100, MAX_DEFER)).toBe(2);
    expect(postsAhead(waiting, 'urgent', 100, MAX_DEFER)).toBe(1);
    // The digest has waited the bound: even an urgent newcomer goes after it.
    expect(postsAhead([post('digest', 'other', 0)], 'urgent', MAX_DEFER, MAX_DEFER)).toBe(1);
  });

  it('looks again about when a waiting post could be next, within bounds', () => {
    const bounds = { minMs: 50, maxMs: 2000 };
    expect(lookAgainMs(0, 1200, bounds)).toBe(50);
    expect(lookAgainMs(1, 1200, bounds)).toBe(600);
    expect(lookAgainMs(2, 1200, bounds)).toBe(1800);
    expect(lookAgainMs(40, 1200, bounds)).toBe(2000);
  });
});
