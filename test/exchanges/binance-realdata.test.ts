/**
 * Real Binance captures (fixtures/binance/, see fixtures/README.md) replayed through the real adapter parser and
 * BookSync. Independent ground truth: the bookTickers recorded beside the diffs.
 */
import { describe, expect, it } from 'vitest';
import { binanceAdapter, binanceSpotBookRules } from '../../src/exchanges/binance/index.js';
import { binanceFuturesAdapter } from '../../src/exchanges/binance/futures.js';
import { readCryptofeed, readHftbacktest, replay, type Recorded } from './binance-replay.js';
import { removalSpellings } from '../helpers/removals.js';

const hft = readHftbacktest('ethusdt_20240808.gz', 'ETHUSDT');
const cfSpot = readCryptofeed('BINANCE.ws.1.0', 'BINANCE.http.0.0');
const cfFutures = readCryptofeed('BINANCE_FUTURES.ws.1.0', 'BINANCE_FUTURES.http.0.0');

describe('hftbacktest ETHUSDT spot capture (2024-08-08)', () => {
  it('keeps the U/u chain unbroken and every bookTicker at a diff boundary equals the rebuilt best bid/ask', () => {
    const s = replay(binanceAdapter, hft);
    expect(s.problems).toEqual([]);
    expect(s.snapshotRequests).toBe(1);
    expect([...s.live]).toEqual(['ETHUSDT']);
    expect(s.mismatches).toEqual([]);
    expect(s.tickersMatched).toBeGreaterThanOrEqual(577);
  });
});

describe('cryptofeed Binance spot capture (2021)', () => {
  it('keeps every chain and matches 25/25 bookTickers at diff boundaries', () => {
    const s = replay(binanceAdapter, cfSpot);
    expect(s.problems).toEqual([]);
    expect(s.live.size).toBe(4);
    expect(s.mismatches).toEqual([]);
    expect(s.tickersMatched).toBeGreaterThanOrEqual(25);
  });
});

describe('cryptofeed Binance USD-M futures capture (2021)', () => {
  it('keeps every pu chain and matches 50/50 bookTickers at diff boundaries', () => {
    const s = replay(binanceFuturesAdapter, cfFutures);
    expect(s.problems).toEqual([]);
    expect(s.live.size).toBe(4);
    expect(s.mismatches).toEqual([]);
    expect(s.tickersMatched).toBeGreaterThanOrEqual(50);
  });

  it('a first diff with u == lastUpdateId keeps its pu chain; the spot rule would call it a gap', () => {
    // found independently of the adapter: markets whose snapshot id is the `u` of a recorded diff
    const boundary = new Map<string, number>();
    for (const r of cfFutures) {
      if (r.kind !== 'rest') continue;
      const L = (JSON.parse(r.text) as { lastUpdateId: number }).lastUpdateId;
      if (cfFutures.some((f) => f.kind === 'frame' && f.text.includes(`"u":${L},`) && f.text.includes(`"s":"${r.market}"`)))
        boundary.set(r.market, L);
    }
    expect(boundary.size).toBeGreaterThan(0);
    for (const [market, L] of boundary) {
      const only = cfFutures.filter((r) => (r.kind === 'rest' ? r.market === market : r.text.includes(`"s":"${market}"`)));
      const futures = replay(binanceFuturesAdapter, only);
      expect(futures.problems).toEqual([]);
      expect(futures.live.has(market)).toBe(true);
      const spot = replay(binanceFuturesAdapter, only, { rules: binanceSpotBookRules });
      const gap = spot.problems[0];
      expect(gap).toMatchObject({ market, code: 'TW_ERR_SEQUENCE_GAP', details: { localUpdateId: L, got: { prevUpdateId: L } } });
    }
  });
});

/** Index of the `n`th diff frame of `market` after the first REST snapshot. */
function nthDiffAfterSnapshot(items: readonly Recorded[], market: string, n: number): number {
  const start = items.findIndex((r) => r.kind === 'rest' && r.market === market);
  let seen = 0;
  for (let i = start + 1; i < items.length; i++) {
    const r = items[i]!;
    if (r.kind === 'frame' && r.text.includes('"e":"depthUpdate"') && r.text.includes(`"s":"${market}"`) && ++seen === n) return i;
  }
  throw new Error(`no diff ${n} for ${market}`);
}

describe('removal sizes', () => {
  it('every removal in the emitted deltas is spelled exactly "0" (Binance spot writes "0.00000000")', () => {
    for (const [adapter, items] of [[binanceAdapter, hft], [binanceAdapter, cfSpot], [binanceFuturesAdapter, cfFutures]] as const) {
      const spellings = removalSpellings(replay(adapter, items).deltas);
      expect([...spellings.keys()]).toEqual(['0']);
      expect(spellings.get('0')).toBeGreaterThan(0);
    }
  });
});

describe('an altered capture', () => {
  it('one dropped spot diff is detected as a gap: that book resyncs and asks for a snapshot', () => {
    const drop = nthDiffAfterSnapshot(hft, 'ETHUSDT', 100);
    const dropped = JSON.parse(hft[drop]!.text) as { data: { U: number; u: number } };
    const s = replay(binanceAdapter, hft, { mutate: (text, i) => (i === drop ? undefined : text) });
    expect(s.problems[0]).toMatchObject({
      state: 'resyncing',
      code: 'TW_ERR_SEQUENCE_GAP',
      details: { localUpdateId: dropped.data.U - 1, got: { firstUpdateId: dropped.data.u + 1 } },
    });
    expect(s.snapshotRequests).toBe(2);
    expect(s.mismatches).toEqual([]); // nothing was emitted from a broken book
  });

  it('one dropped futures diff breaks only that market', () => {
    const drop = nthDiffAfterSnapshot(cfFutures, 'SUSHIUSDT', 10);
    const s = replay(binanceFuturesAdapter, cfFutures, { mutate: (text, i) => (i === drop ? undefined : text) });
    expect(s.problems.length).toBe(1);
    expect(s.problems[0]).toMatchObject({ market: 'SUSHIUSDT', code: 'TW_ERR_SEQUENCE_GAP' });
    expect(s.mismatches).toEqual([]);
  });
});

// the hot-path parser against the zod schemas on every real frame: test/conformance/binance.test.ts (oracle)
describe('REST snapshots', () => {
  it('REST snapshots in the captures parse', () => {
    for (const r of [...hft, ...cfSpot, ...cfFutures]) {
      if (r.kind !== 'rest') continue;
      const snap = binanceSpotBookRules.parseSnapshot!(r.text);
      expect(snap.bids.length).toBeGreaterThan(0);
      expect(snap.asks.length).toBeGreaterThan(0);
    }
  });
});
