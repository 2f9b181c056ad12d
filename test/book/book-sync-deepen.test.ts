/**
 * BookSync for books that wait for, or start from, a cheap REST snapshot: the buffer kept while a snapshot request
 * waits in the REST queue (trimBuffer), and a shallow first snapshot deepened later by a deep one (reconcile with
 * adopt). Either way the book is right or explicitly not live — never a wrong live book.
 */
import { describe, expect, it } from 'vitest';
import { BookSync } from '../../src/book/book-sync.js';
import type { BookRules, DeltaMessage, RestSnapshot } from '../../src/exchanges/types.js';
import type { Level, UnstampedEvent } from '../../src/schema/events.js';
import { MarketEvent } from '../../src/schema/events.js';

/** Binance spot's corrected rule, written here so the test does not trust an adapter. */
const contiguous: BookRules = {
  integrity: 'chained',
  snapshot: 'rest',
  resync: 'rest',
  snapshotTooOld: (L, d) => L + 1 < (d.firstUpdateId ?? 0),
  first: (L, d) => {
    const U = d.firstUpdateId!;
    const u = d.updateId!;
    if (u <= L) return 'drop';
    return U <= L + 1 && L + 1 <= u ? 'apply' : 'gap';
  },
  next: (local, d) => {
    if (d.updateId! < local) return 'drop';
    return d.firstUpdateId! > local + 1 ? 'gap' : 'apply';
  },
};

const delta = (u: number, bids: Level[] = [], asks: Level[] = []): DeltaMessage => ({
  kind: 'book', market: 'BTCUSDT', action: 'delta', firstUpdateId: u, updateId: u, bids, asks, exchangeTime: u * 1000,
});
const snap = (updateId: number, bids: Level[], asks: Level[]): RestSnapshot => ({ updateId, bids, asks });

function harness() {
  const events: UnstampedEvent[] = [];
  let requests = 0;
  const sync = new BookSync({
    exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', rules: contiguous, subscribedDepth: 10,
    requestSnapshot: () => requests++, requestResubscribe: () => undefined, emit: (e) => events.push(e),
  });
  let seq = 0;
  return {
    sync,
    events,
    get requests() {
      return requests;
    },
    valid: () => {
      for (const e of events) MarketEvent.parse({ ...e, seq: ++seq, epoch: 'e' });
    },
  };
}

/** A reference book: apply absolute sizes (0 removes), best first. */
function reference(levels: Array<[side: 'b' | 'a', price: number, size: string]>): { bids: Level[]; asks: Level[] } {
  const b = new Map<number, string>();
  const a = new Map<number, string>();
  for (const [side, p, q] of levels) (side === 'b' ? b : a)[q === '0' ? 'delete' : 'set'](p, q);
  const out = (m: Map<number, string>, desc: boolean): Level[] =>
    [...m.entries()].sort((x, y) => (desc ? y[0] - x[0] : x[0] - y[0])).map(([p, q]) => [String(p), q]);
  return { bids: out(b, true), asks: out(a, false) };
}

describe('BookSync: a book waiting for its snapshot in the REST queue', () => {
  it('keeps only the last deltas, and still splices a snapshot newer than them into the right book', () => {
    const h = harness();
    h.sync.start(0);
    const history: Array<['b' | 'a', number, string]> = [];
    for (let u = 1; u <= 1000; u++) {
      const lvl: ['b' | 'a', number, string] = u % 2 ? ['b', 90 + (u % 10), String(u)] : ['a', 101 + (u % 10), String(u)];
      history.push(lvl);
      h.sync.onMessage(delta(u, lvl[0] === 'b' ? [[String(lvl[1]), lvl[2]]] : [], lvl[0] === 'a' ? [[String(lvl[1]), lvl[2]]] : []), u);
      h.sync.trimBuffer(50);
      expect(h.sync.bufferedCount).toBeLessThanOrEqual(100);
    }
    // the request goes out now: the snapshot is at least as new as the last delta minus some lag (here 980)
    const atSnap = reference(history.slice(0, 980));
    for (let u = 1001; u <= 1010; u++) {
      history.push(['b', 80, String(u)]);
      h.sync.onMessage(delta(u, [['80', String(u)]]), u);
    }
    h.sync.onSnapshot(snap(980, atSnap.bids, atSnap.asks), 2000);
    expect(h.sync.state).toBe('live');
    expect(h.sync.updateId).toBe(1010);
    expect(h.sync.book.snapshot()).toEqual(reference(history));
    h.valid();
  });

  it('a snapshot older than every kept delta is not spliced: not live, a fresh snapshot is asked for', () => {
    const h = harness();
    h.sync.start(0);
    for (let u = 1; u <= 1000; u++) {
      h.sync.onMessage(delta(u, [['99', String(u)]]), u);
      h.sync.trimBuffer(50);
    }
    const before = h.requests;
    h.sync.onSnapshot(snap(500, [['99', '500']], [['101', '1']]), 2000); // lagging far behind what was kept
    expect(h.sync.state).not.toBe('live');
    expect(h.requests).toBeGreaterThan(before);
    expect(h.events.some((e) => e.type === 'book_snapshot')).toBe(false);
  });
});

describe('BookSync: a shallow first snapshot deepened by a later deep one', () => {
  function shallowLive() {
    const h = harness();
    h.sync.start(0);
    h.sync.onMessage(delta(1), 1);
    // the exchange's book: bids 100..91, asks 101..110; the first snapshot shows the best 3 per side
    h.sync.onSnapshot(snap(1, [['100', '1'], ['99', '1'], ['98', '1']], [['101', '1'], ['102', '1'], ['103', '1']]), 2);
    expect(h.sync.state).toBe('live');
    return h;
  }
  const deep = (u: number, best = '1'): RestSnapshot =>
    snap(u, [100, 99, 98, 97, 96, 95].map((p, i) => [String(p), i === 0 ? best : '1']), [101, 102, 103, 104, 105].map((p) => [String(p), '1']));

  it('a deep snapshot matching where both know the book replaces it: deeper book, book_snapshot, reconciled deepened', () => {
    const h = shallowLive();
    h.sync.onMessage(delta(2, [['100', '2']]), 3);
    expect(h.sync.reconcile(deep(3, '3'), 4, true)).toBe('pending');
    const n = h.events.length;
    h.sync.onMessage(delta(3, [['100', '3']]), 5);
    expect(h.events.slice(n).map((e) => (e.type === 'status' ? `${e.state}` : e.type))).toEqual(['book_delta', 'book_snapshot', 'reconciled']);
    expect(h.events.at(-1)).toMatchObject({ details: { deepened: true, updateId: 3 } });
    expect(h.sync.book.bidCount).toBe(6);
    expect(h.sync.book.snapshot()).toEqual({ bids: deep(3, '3').bids, asks: deep(3, '3').asks });
    expect(h.events.at(-2)).toMatchObject({ type: 'book_snapshot', updateId: 3, bids: deep(3, '3').bids });
    // from then on the whole deep range is cross-checked: a later difference at depth 6 is caught
    h.sync.onMessage(delta(4, [['95', '9']]), 6);
    expect(h.sync.reconcile(deep(4), 7)).toBe('compared');
    expect(h.events.at(-1)).toMatchObject({ state: 'resyncing', code: 'TW_ERR_RECONCILE_MISMATCH' });
    h.valid();
  });

  it('a deep snapshot that differs where the book is known resyncs instead of being adopted', () => {
    const h = shallowLive();
    expect(h.sync.reconcile(deep(1, '7'), 3, true)).toBe('compared');
    expect(h.events.at(-1)).toMatchObject({ state: 'resyncing', code: 'TW_ERR_RECONCILE_MISMATCH' });
    expect(h.sync.state).toBe('resyncing');
    expect(h.sync.book.bidCount).toBe(0);
  });
});
