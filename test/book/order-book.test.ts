import { describe, expect, it } from 'vitest';
import { canonicalDecimal, compareDecimal, isZeroSize, spellRemovalsZero } from '../../src/book/decimal-string.js';
import { OrderBook } from '../../src/book/order-book.js';
import { CODE_BITS, DecimalScratch, encodeDecimal as encodeWith } from '../../src/book/decimal-code.js';

const work = new DecimalScratch();
const scanned = work.scanned;
const encodeDecimal = (s: string): number => encodeWith(s, work);
import type { Level } from '../../src/schema/events.js';
import { mulberry32 } from '../../src/util/prng.js';
import { referenceOf } from './reference-book.js';

describe('canonicalDecimal / compareDecimal', () => {
  it('treats equal decimals written differently as one key', () => {
    expect(canonicalDecimal('42499.00')).toBe('42499');
    expect(canonicalDecimal('42499.0')).toBe('42499');
    expect(canonicalDecimal('042499.10')).toBe('42499.1');
    expect(canonicalDecimal('0.00010')).toBe('0.0001');
    expect(canonicalDecimal('100')).toBe('100');
    expect(canonicalDecimal('0.0')).toBe('0');
  });

  it('compares exactly, beyond float precision', () => {
    expect(compareDecimal('42499.00', '42499.0')).toBe(0);
    expect(compareDecimal('0.1', '0.10000000000000000001')).toBe(-1);
    expect(compareDecimal('10', '9.99999999')).toBe(1);
    expect(compareDecimal('1.5', '1.05')).toBe(1);
  });

  it('spells every zero size "0" in place and leaves every other size as written', () => {
    const levels: Level[] = [['1', '0.00000000'], ['2', '0'], ['3', '0.5'], ['4', '00.0'], ['5', '10.00'], ['6', '0.0'], ['7', '0e0']];
    spellRemovalsZero(levels);
    expect(levels).toEqual([['1', '0'], ['2', '0'], ['3', '0.5'], ['4', '0'], ['5', '10.00'], ['6', '0'], ['7', '0']]);
  });

  it('recognizes zero sizes', () => {
    expect(isZeroSize('0')).toBe(true);
    expect(isZeroSize('0.00000000')).toBe(true);
    expect(isZeroSize('0.00000001')).toBe(false);
    expect(isZeroSize('00.0')).toBe(true);
    expect(isZeroSize('10.00')).toBe(false);
    expect(isZeroSize('')).toBe(false);
    expect(isZeroSize('.')).toBe(false);
  });
});

describe('OrderBook', () => {
  it('applies, updates and removes levels; deleting an absent level is a no-op', () => {
    const b = new OrderBook();
    b.applySnapshot(
      [['100.0', '1'], ['99.5', '2']],
      [['101', '3'], ['102.25', '4']],
    );
    b.applyLevels([['100.00', '5'], ['98', '0'], ['99.5', '0']], [['101.5', '1'], ['102.25', '0.0']]);
    expect(b.top(10)).toEqual({ bids: [['100.00', '5']], asks: [['101', '3'], ['101.5', '1']] });
    expect(b.sizeAt('bid', '100')).toBe('5');
    expect(b.sizeAt('bid', '99.5')).toBeUndefined();
    expect(b.bidCount).toBe(1);
    expect(b.askCount).toBe(2);
  });

  it('"42499.00" and "42499.0" are one level', () => {
    const b = new OrderBook();
    b.applyLevels([['42499.00', '1']], []);
    b.applyLevels([['42499.0', '2']], []);
    expect(b.bidCount).toBe(1);
    expect(b.bestBid()).toEqual(['42499.0', '2']);
    b.applyLevels([['42499', '0']], []);
    expect(b.bidCount).toBe(0);
  });

  it('orders numerically, not lexically, and gives best first', () => {
    const b = new OrderBook();
    b.applySnapshot([['9', '1'], ['10', '1'], ['9.5', '1']], [['11', '1'], ['100', '1'], ['10.5', '1']]);
    expect(b.bestBid()).toEqual(['10', '1']);
    expect(b.bestAsk()).toEqual(['10.5', '1']);
    expect(b.top(2)).toEqual({ bids: [['10', '1'], ['9.5', '1']], asks: [['10.5', '1'], ['11', '1']] });
  });

  it('detects a crossed (or locked) book', () => {
    const b = new OrderBook();
    b.applySnapshot([['100', '1']], [['101', '1']]);
    expect(b.isCrossed()).toBe(false);
    b.applyLevels([['101.0', '1']], []);
    expect(b.isCrossed()).toBe(true);
    b.applyLevels([['101', '0']], []);
    expect(b.isCrossed()).toBe(false);
    b.applyLevels([], [['99', '1']]);
    expect(b.isCrossed()).toBe(true);
  });

  it('truncates to the best N levels per side', () => {
    const b = new OrderBook();
    b.applySnapshot(
      [['1', '1'], ['2', '1'], ['3', '1'], ['4', '1']],
      [['5', '1'], ['6', '1'], ['7', '1']],
    );
    b.truncate(2);
    expect(b.snapshot()).toEqual({ bids: [['4', '1'], ['3', '1']], asks: [['5', '1'], ['6', '1']] });
    expect(b.sizeAt('bid', '1')).toBeUndefined();
    b.applyLevels([['1', '9']], []); // a truncated level comes back as new
    expect(b.bidCount).toBe(3);
  });

  it('keeps levels apart that floats cannot tell apart, and finds each by its exact decimal', () => {
    const book = new OrderBook();
    const a = '0.1';
    const b = '0.10000000000000000001'; // parseFloat(a) === parseFloat(b)
    book.applyLevels([[b, '2'], [a, '1'], ['0.09', '5']], []);
    expect(book.bidCount).toBe(3);
    expect(book.bestBid()).toEqual([b, '2']);
    expect(book.sizeAt('bid', '0.100')).toBe('1');
    expect(book.sizeAt('bid', b)).toBe('2');
    book.applyLevels([['0.10', '0']], []);
    expect(book.top(5).bids).toEqual([[b, '2'], ['0.09', '5']]);
    expect(book.sizeAt('bid', a)).toBeUndefined();
  });

  /** The numeric form a frame scanner leaves for these levels (LevelCodes layout). */
  const codesOf = (bids: Level[], asks: Level[]): Float64Array => {
    const out = new Float64Array(3 * (bids.length + asks.length));
    [...bids, ...asks].forEach(([p, q], j) => {
      const pc = encodeDecimal(p);
      const pm = scanned[0]!;
      const qc = encodeDecimal(q);
      out.set([pm, scanned[0]!, pc < 0 || qc < 0 ? -1 : (pc << CODE_BITS) | qc], 3 * j);
    });
    return out;
  };

  it.each([
    ['numbers', false, 0, false],
    ['strings', true, 0, false],
    ['numbers that fall back to strings mid-way', false, 1500, false],
    ['numbers from a scanner\'s codes', false, 0, true],
    ['numbers from a scanner\'s codes, falling back to strings mid-way', false, 1500, true],
    ['strings, codes ignored', true, 0, true],
  ])('matches a naive sorted reference under random updates (seeded, %s)', (_name, strings, longFrom, coded) => {
    const rand = mulberry32(12345);
    const book = new OrderBook({ strings });
    const ref = { bid: new Map<string, string>(), ask: new Map<string, string>() };
    for (let step = 0; step < 3000; step++) {
      const bids: Level[] = [];
      const asks: Level[] = [];
      const n = 1 + Math.floor(rand() * 6);
      for (let k = 0; k < n; k++) {
        const side = rand() < 0.5 ? 'bid' : 'ask';
        // bids 90..100, asks 100.01..110 so the book never crosses; random trailing zeros and spelling
        const ticks = Math.floor(rand() * 1000);
        const base = side === 'bid' ? 9000 + ticks : 10001 + ticks;
        const price = spell(base, rand);
        let size = rand() < 0.3 ? (rand() < 0.5 ? '0' : '0.000') : (1 + Math.floor(rand() * 500)) / 100 + '';
        // from step `longFrom` on, sometimes 16 significant digits: numbers cannot keep them, the book switches
        if (longFrom > 0 && step >= longFrom && size !== '0' && rand() < 0.1) size = `${size}${size.includes('.') ? '' : '.'}0000000000000001`;
        (side === 'bid' ? bids : asks).push([price, size]);
        const key = canonicalDecimal(price);
        if (isZeroSize(size)) ref[side].delete(key);
        else ref[side].set(key, size);
      }
      book.applyLevels(bids, asks, coded ? codesOf(bids, asks) : undefined);
      if (step % 50 === 0 || step === 2999) {
        const want = {
          bids: [...ref.bid.entries()].sort((a, b) => compareDecimal(b[0], a[0])),
          asks: [...ref.ask.entries()].sort((a, b) => compareDecimal(a[0], b[0])),
        };
        const got = book.snapshot();
        expect(got.bids.map(([p, s]) => [canonicalDecimal(p), s])).toEqual(want.bids);
        expect(got.asks.map(([p, s]) => [canonicalDecimal(p), s])).toEqual(want.asks);
        expect(book.isCrossed()).toBe(false);
      }
    }
    expect(book.bidCount + book.askCount).toBeGreaterThan(100);
    expect(book.numericStorage).toBe(!strings && longFrom === 0);
  });

  it.each([
    ['numbers', false],
    ['strings', true],
  ])('matches the reference on deep books that grow, churn anywhere, shrink to empty and truncate (seeded, %s)', (_name, strings) => {
    // ~1500 levels per side at the peak: arrays regrown and re-centred, inserts and removals anywhere, emptied sides
    const rand = mulberry32(777);
    const book = new OrderBook({ strings });
    const { ref, check: checkLevels } = referenceOf(book);
    const check = (): void => {
      checkLevels();
      expect(book.isCrossed()).toBe(false);
    };
    const phases = [
      { steps: 600, removeP: 0.05 }, // grow
      { steps: 600, removeP: 0.5 }, // churn
      { steps: 900, removeP: 0.97 }, // shrink (to empty)
      { steps: 300, removeP: 0.2 }, // regrow
    ];
    let step = 0;
    for (const phase of phases) {
      for (let t = 0; t < phase.steps; t++, step++) {
        const bids: Level[] = [];
        const asks: Level[] = [];
        for (let k = 0; k < 8; k++) {
          const side = rand() < 0.5 ? 'bid' : 'ask';
          const ticks = Math.floor(rand() * 3000);
          const price = spell(side === 'bid' ? 30000 + ticks : 33001 + ticks, rand);
          const key = canonicalDecimal(price);
          if (rand() < phase.removeP) {
            // remove an existing level (anywhere) or an absent one
            const keys = [...ref[side].keys()];
            const victim = keys.length > 0 && rand() < 0.9 ? keys[Math.floor(rand() * keys.length)]! : key;
            const spelled = rand() < 0.5 ? victim : `${victim}${victim.includes('.') ? '' : '.'}0`;
            (side === 'bid' ? bids : asks).push([spelled, '0.00']);
            ref[side].delete(victim);
          } else {
            const size = `${1 + Math.floor(rand() * 900)}.${Math.floor(rand() * 10)}`;
            (side === 'bid' ? bids : asks).push([price, size]);
            ref[side].set(key, size);
          }
        }
        // one level per price per side per update, as feeds send them
        book.applyLevels(dedupe(bids), dedupe(asks));
        if (step % 97 === 0) {
          check();
          const probe = [...ref.bid.keys()][0];
          if (probe !== undefined) expect(book.sizeAt('bid', `${probe}${probe.includes('.') ? '0' : '.00'}`)).toBe(ref.bid.get(probe));
        }
      }
      check();
    }
    expect(book.bidCount).toBeGreaterThan(200);
    const depth = 150;
    const before = book.snapshot();
    const cut = book.truncate(depth);
    expect(book.top(1000)).toEqual({ bids: before.bids.slice(0, depth), asks: before.asks.slice(0, depth) });
    expect(cut).toEqual({ bids: before.bids.slice(depth), asks: before.asks.slice(depth) });
  });
});

/** Last write wins for a price within one update (the reference map applies them in order too). */
function dedupe(levels: Level[]): Level[] {
  const seen = new Map<string, Level>();
  for (const l of levels) {
    const k = canonicalDecimal(l[0]);
    seen.delete(k);
    seen.set(k, l);
  }
  return [...seen.values()];
}

/** Price with 2 decimals from an integer number of cents, spelled with 0–2 extra trailing zeros. */
function spell(cents: number, rand: () => number): string {
  const s = (cents / 100).toFixed(2);
  const extra = Math.floor(rand() * 3);
  return s + '0'.repeat(extra);
}

