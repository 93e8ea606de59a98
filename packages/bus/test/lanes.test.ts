// inLanes: one conversation's events in order, many conversations at once, a failure stops new work.
import type { ClassifiedEventSchema } from '@switchboard/proto';
import type { Delivery } from '../src/consumer';
import { BatchStoppedError, CONTENTION, UnavailableError } from '../src/errors';
import { CONTENTION_FIRST_WAIT_MS, contentionWait, inLanes, splitLanes } from '../src/lanes';

const LIVE = { live: () => true };

type D = Delivery<typeof ClassifiedEventSchema>;

function deliveries(keys: string[]): D[] {
  const log = { debug: () => undefined };
  return keys.map((key, i) => ({ key, partition: 0, offset: String(i), topic: 't', log }) as unknown as D);
}

/** A handler whose calls stay open until released, recording the order and the most open at once. */
function gatedHandler() {
  const order: string[] = [];
  const waiting: Array<() => void> = [];
  let open = 0;
  let mostOpen = 0;
  const handler = async (d: D) => {
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    order.push(`${d.key}@${d.offset}`);
    await new Promise<void>((resolve) => waiting.push(resolve));
    open -= 1;
  };
  const releaseAll = async () => {
    while (waiting.length > 0 || open > 0) {
      waiting.splice(0).forEach((release) => release());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { handler, order, releaseAll, mostOpen: () => mostOpen, waiting };
}

describe('splitLanes', () => {
  it('groups by key in first-seen order, keeping each group in order', () => {
    expect(splitLanes(['a1', 'b1', 'a2', 'c1', 'b2'], (s) => s[0])).toEqual([['a1', 'a2'], ['b1', 'b2'], ['c1']]);
  });
});

describe('inLanes', () => {
  it('keeps one key in offset order while other keys run beside it, at most `concurrency` at once', async () => {
    const gate = gatedHandler();
    const run = inLanes(gate.handler, { concurrency: 2 })(deliveries(['a', 'b', 'a', 'c', 'b', 'a']), LIVE);
    await new Promise((resolve) => setImmediate(resolve));
    // Two lanes started together: a's first and b's first, nothing else yet.
    expect(gate.order).toEqual(['a@0', 'b@1']);
    await gate.releaseAll();
    await run;
    expect(gate.mostOpen()).toBe(2);
    const ofKey = (k: string) => gate.order.filter((s) => s.startsWith(k));
    expect(ofKey('a')).toEqual(['a@0', 'a@2', 'a@5']);
    expect(ofKey('b')).toEqual(['b@1', 'b@4']);
    expect(ofKey('c')).toEqual(['c@3']);
    expect(gate.order).toHaveLength(6);
  });

  it('throws the first error after the work under way ends, and starts no new event', async () => {
    const seen: string[] = [];
    const handler = async (d: D) => {
      seen.push(`${d.key}@${d.offset}`);
      await new Promise((resolve) => setImmediate(resolve));
      if (d.key === 'a') throw new Error('a failed');
    };
    await expect(inLanes(handler, { concurrency: 2 })(deliveries(['a', 'b', 'a', 'c', 'b']), LIVE)).rejects.toThrow(
      'a failed',
    );
    // a@0 and b@1 ran together; a's failure stopped a@2, b@4 and the lane for c.
    expect(seen).toEqual(['a@0', 'b@1']);
  });

  it('keeps deliveries without a key in one lane, in order', async () => {
    const gate = gatedHandler();
    const keyless = deliveries(['x', 'y', 'z']).map((d) => ({ ...d, key: null }));
    const run = inLanes(gate.handler, { concurrency: 4 })(keyless, LIVE);
    await gate.releaseAll();
    await run;
    expect(gate.mostOpen()).toBe(1);
    expect(gate.order).toEqual(['null@0', 'null@1', 'null@2']);
  });

  it('starts no event once the partition is no longer live, and throws so nothing of the batch is resolved', async () => {
    const seen: string[] = [];
    let live = true;
    const handler = async (d: D) => {
      seen.push(`${d.key}@${d.offset}`);
      live = false; // the partition moves to another consumer while this event is handled
      await new Promise((resolve) => setImmediate(resolve));
    };
    await expect(
      inLanes(handler, { concurrency: 1 })(deliveries(['a', 'b', 'a']), { live: () => live }),
    ).rejects.toBeInstanceOf(BatchStoppedError);
    expect(seen).toEqual(['a@0']);
  });

  it('waits out a busy conversation in its own lane and tries the event again, while the other lanes go on', async () => {
    const seen: string[] = [];
    let busy = 2; // a's lock is held elsewhere for its first two tries
    const handler = async (d: D) => {
      seen.push(`${d.key}@${d.offset}`);
      if (d.key === 'a' && busy-- > 0) throw new UnavailableError('another replica is handling a', CONTENTION, 500);
    };
    let retried = 0;
    await inLanes(handler, { concurrency: 2 })(deliveries(['a', 'b', 'b', 'a']), {
      live: () => true,
      retrying: () => (retried += 1),
    });
    // b's lane finished while a waited; a's events stayed in order, the first tried three times.
    expect(seen).toEqual(['a@0', 'b@1', 'b@2', 'a@0', 'a@0', 'a@3']);
    expect(retried).toBe(2);
  });

  it('stops waiting on a busy conversation once the partition is no longer live', async () => {
    let live = true;
    const handler = async () => {
      live = false;
      throw new UnavailableError('another replica is handling a', CONTENTION, 500);
    };
    await expect(inLanes(handler, { concurrency: 1 })(deliveries(['a']), { live: () => live })).rejects.toBeInstanceOf(
      BatchStoppedError,
    );
  });

  it('fails the batch on an outage, which is the consumer’s to report and retry, not a lane’s', async () => {
    const handler = async () => {
      throw new UnavailableError('Slack is down', 'slack', 1000);
    };
    await expect(inLanes(handler, { concurrency: 1 })(deliveries(['a']), LIVE)).rejects.toThrow('Slack is down');
  });
});

describe('contentionWait', () => {
  it('doubles from the first wait up to the error’s own delay, and is only for contention', () => {
    const busy = new UnavailableError('held', CONTENTION, 500);
    expect([1, 2, 3, 4, 5, 9].map((attempt) => contentionWait(busy, attempt))).toEqual([
      CONTENTION_FIRST_WAIT_MS,
      2 * CONTENTION_FIRST_WAIT_MS,
      4 * CONTENTION_FIRST_WAIT_MS,
      8 * CONTENTION_FIRST_WAIT_MS,
      500,
      500,
    ]);
    expect(contentionWait(new UnavailableError('down', 'redis', 500), 1)).toBeUndefined();
    expect(contentionWait(new Error('bug'), 1)).toBeUndefined();
  });
});
