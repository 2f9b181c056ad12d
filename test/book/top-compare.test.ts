import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../src/book/order-book.js';
import { TopCrossCheck, compareTop } from '../../src/book/top-compare.js';
import type { Level } from '../../src/schema/events.js';

function book(bids: Level[], asks: Level[]): OrderBook {
  const b = new OrderBook();
  b.applySnapshot(bids, asks);
  return b;
}

const BIDS: Level[] = [
  ['100.0', '1'],
  ['99.5', '2'],
  ['99', '3'],
];
const ASKS: Level[] = [
  ['100.5', '1'],
  ['101', '2'],
  ['101.5', '3'],
];

describe('compareTop', () => {
  it('equal books (decimal spellings differ) have no differences', () => {
    expect(compareTop(book(BIDS, ASKS), { bids: [['100', '1.0'], ['99.50', '2'], ['99', '3']], asks: ASKS }, 3)).toEqual([]);
  });

  it('finds a ghost level, a missing level and a size difference', () => {
    const local = book(BIDS, [['100.25', '5'], ...ASKS]); // 100.25 ask is a ghost
    const remote = { bids: [['100.0', '1'], ['99.75', '4'], ['99.5', '2.5']] as Level[], asks: ASKS };
    expect(compareTop(local, remote, 3)).toEqual([
      { side: 'bid', price: '99.5', local: '2', remote: '2.5' },
      { side: 'bid', price: '99.75', remote: '4' },
      { side: 'ask', price: '100.25', local: '5' },
    ]);
  });

  it('compares only the price range both ladders cover (a shorter REST ladder is not missing levels)', () => {
    const local = book(BIDS, ASKS);
    expect(compareTop(local, { bids: [['100.0', '1']], asks: [['100.5', '1'], ['101', '2']] }, 3)).toEqual([]);
    // one side empty locally: everything the exchange has is missing
    expect(compareTop(book(BIDS, []), { bids: BIDS, asks: [['100.5', '1']] }, 3)).toEqual([
      { side: 'ask', price: '100.5', remote: '1' },
    ]);
  });

  it('REST ladders are ordered before slicing to depth', () => {
    expect(compareTop(book(BIDS, ASKS), { bids: [...BIDS].reverse(), asks: [...ASKS].reverse() }, 2)).toEqual([]);
  });
});

describe('TopCrossCheck', () => {
  it('a transient difference (the book moved between REST and local) never diverges', () => {
    const check = new TopCrossCheck({ depth: 3, persistAfter: 3 });
    const local = book(BIDS, ASKS);
    // each check sees a different in-flight change
    for (let i = 0; i < 10; i++) {
      const r = check.check(local, { bids: [['100.0', String(1 + i)], ...BIDS.slice(1)], asks: ASKS });
      expect(r.diverged).toBe(false);
      if (i > 0) expect(r.differences).toHaveLength(1);
    }
  });

  it('the same difference in persistAfter consecutive checks diverges; reset() forgets', () => {
    const check = new TopCrossCheck({ depth: 3, persistAfter: 3 });
    const local = book(BIDS, [['100.25', '5'], ...ASKS]); // a ghost left by a lost delete
    const remote = { bids: BIDS, asks: ASKS };
    expect(check.check(local, remote).diverged).toBe(false);
    expect(check.check(local, remote).diverged).toBe(false);
    const third = check.check(local, remote);
    expect(third.diverged).toBe(true);
    expect(third.persistent).toEqual([{ side: 'ask', price: '100.25', local: '5' }]);
    check.reset();
    expect(check.check(local, remote).diverged).toBe(false);
  });

  it('a streak is broken by a check without the difference', () => {
    const check = new TopCrossCheck({ depth: 3, persistAfter: 2 });
    const ghost = book(BIDS, [['100.25', '5'], ...ASKS]);
    const clean = book(BIDS, ASKS);
    const remote = { bids: BIDS, asks: ASKS };
    expect(check.check(ghost, remote).diverged).toBe(false);
    expect(check.check(clean, remote).diverged).toBe(false);
    expect(check.check(ghost, remote).diverged).toBe(false);
    expect(check.check(ghost, remote).diverged).toBe(true);
  });

  it('a REST book whose version did not move is no new evidence: not counted, the streak kept', () => {
    const check = new TopCrossCheck({ depth: Infinity, persistAfter: 2 });
    const ghost = book(BIDS, [['100.25', '5'], ...ASKS]);
    const at = (version: number) => ({ bids: BIDS, asks: ASKS, version });
    expect(check.check(ghost, at(7)).diverged).toBe(false);
    const same = check.check(ghost, at(7));
    expect(same.stale).toBe(true);
    expect(same.diverged).toBe(false);
    expect(check.check(ghost, at(6)).diverged).toBe(false); // older: a lagging REST replica
    expect(check.check(ghost, at(8)).diverged).toBe(true);
  });

  it('a local book that received nothing since the last check is no new evidence either (silence is the watchdogs\' case)', () => {
    const check = new TopCrossCheck({ depth: Infinity, persistAfter: 2 });
    const ghost = book(BIDS, [['100.25', '5'], ...ASKS]);
    const at = (version: number) => ({ bids: BIDS, asks: ASKS, version });
    expect(check.check(ghost, at(1), 10).diverged).toBe(false);
    expect(check.check(ghost, at(2), 10).stale).toBe(true); // the market moved, the local book did not
    expect(check.check(ghost, at(3), 11).diverged).toBe(true);
  });
});
