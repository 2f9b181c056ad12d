import { describe, expect, it } from 'vitest';
import { SimMarket } from '../../src/sim/market.js';
import type { SimBook, SimDiff } from '../../src/sim/types.js';
import type { Level } from '../../src/schema/events.js';

const SPECS = [
  { symbol: 'BTC/USDT', mid: '30000.00', tickDecimals: 2, lotDecimals: 5 },
  { symbol: 'XRP/USDT', mid: '0.5000', tickDecimals: 4, lotDecimals: 1 },
];

/** Apply a diff to a plain price→size map (absolute sizes, zero removes). */
function apply(book: Map<string, string>[], d: SimDiff): void {
  for (const [side, levels] of [[0, d.bids], [1, d.asks]] as const) {
    for (const [p, s] of levels) {
      if (Number(s) === 0) book[side]?.delete(p);
      else book[side]?.set(p, s);
    }
  }
}
function toMaps(b: SimBook): Map<string, string>[] {
  return [new Map(b.bids), new Map(b.asks)];
}
function sorted(m: Map<string, string> | undefined, desc: boolean): Level[] {
  return [...(m ?? new Map<string, string>()).entries()].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
}

describe('SimMarket', () => {
  it('is deterministic for a seed, per symbol, whatever the interleaving', () => {
    const a = new SimMarket({ seed: 42, symbols: SPECS, levels: 200 });
    const b = new SimMarket({ seed: 42, symbols: SPECS, levels: 200 });
    const c = new SimMarket({ seed: 43, symbols: SPECS, levels: 200 });
    const da: SimDiff[] = [];
    const db: SimDiff[] = [];
    for (let i = 0; i < 300; i++) {
      da.push(a.step('BTC/USDT'));
      a.step('XRP/USDT');
    }
    for (let i = 0; i < 300; i++) db.push(b.step('BTC/USDT'));
    const strip = (d: SimDiff): unknown => ({ ...d, time: 0 });
    expect(da.map(strip)).toEqual(db.map(strip));
    expect(a.book('BTC/USDT')).toEqual(b.book('BTC/USDT'));
    expect(c.book('BTC/USDT')).not.toEqual(a.book('BTC/USDT'));
  });

  it('diffs chain by consecutive ids, 1..20 changes, each level once, book uncrossed and within levels', () => {
    const m = new SimMarket({ seed: 5, symbols: SPECS, levels: 100 });
    const mirror = toMaps(m.book('BTC/USDT'));
    let prev = m.lastId('BTC/USDT');
    for (let i = 0; i < 3000; i++) {
      const d = m.step('BTC/USDT');
      expect(d.firstId).toBe(prev + 1);
      const n = d.bids.length + d.asks.length;
      expect(n).toBe(d.lastId - d.firstId + 1);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(21); // an insert at capacity evicts the worst level in the same diff
      expect(new Set(d.bids.map((l) => l[0])).size).toBe(d.bids.length);
      expect(new Set(d.asks.map((l) => l[0])).size).toBe(d.asks.length);
      prev = d.lastId;
      apply(mirror, d);
      const book = m.book('BTC/USDT');
      expect(book.bids.length).toBeLessThanOrEqual(100);
      expect(book.asks.length).toBeLessThanOrEqual(100);
      expect(Number(book.bids[0]?.[0])).toBeLessThan(Number(book.asks[0]?.[0]));
    }
    const book = m.book('BTC/USDT');
    expect(sorted(mirror[0], true)).toEqual(book.bids);
    expect(sorted(mirror[1], false)).toEqual(book.asks);
    expect(book.bids.length).toBeGreaterThanOrEqual(90);
  });

  it('bookAt rebuilds the exact past book inside the history and refuses outside it', () => {
    const m = new SimMarket({ seed: 9, symbols: SPECS, levels: 150, historySize: 2000 });
    const snaps: SimBook[] = [];
    for (let i = 0; i < 400; i++) {
      m.step('XRP/USDT');
      if (i % 37 === 0) snaps.push(m.book('XRP/USDT'));
    }
    const last = m.lastId('XRP/USDT');
    for (const s of snaps) {
      if (s.updateId >= last - 2000) {
        expect(m.bookAt('XRP/USDT', s.updateId)).toEqual(s);
        // a REST snapshot's depth: the best levels of that same book
        expect(m.bookAt('XRP/USDT', s.updateId, 7)).toEqual({ ...s, bids: s.bids.slice(0, 7), asks: s.asks.slice(0, 7) });
      } else expect(m.bookAt('XRP/USDT', s.updateId)).toBeUndefined();
    }
    expect(m.bookAt('XRP/USDT', last + 1)).toBeUndefined();
    expect(m.bookAt('XRP/USDT', last - 2001)).toBeUndefined();
    // mid-diff ids are valid states too: the book after the first change of the last diff
    const d = m.step('XRP/USDT');
    const mid = m.bookAt('XRP/USDT', d.firstId);
    expect(mid?.updateId).toBe(d.firstId);
  });

  // Its speed is measured in bench/ (the simulator headroom figures), not asserted here.
  it('stays a valid, uncrossed market over 200k diffs', () => {
    const m = new SimMarket({ seed: 1, symbols: SPECS });
    for (let i = 0; i < 200_000; i++) m.step('BTC/USDT');
    const book = m.book('BTC/USDT');
    expect(Number(book.bids[0]?.[0])).toBeLessThan(Number(book.asks[0]?.[0]));
    expect(book.updateId).toBe(m.lastId('BTC/USDT'));
    const t = m.trade('BTC/USDT');
    expect(t.price).toMatch(/^\d+\.\d{2}$/);
    expect(m.stats('BTC/USDT').count).toBe(1);
  });
});
