/**
 * `firstSnapshotDepth`: many Binance books go live from a cheap shallow REST snapshot (limit 20 → weight 5), then a
 * deep one (limit 1000 → weight 50) deepens each of them. Real hub, real sockets, the simulator's REST with its
 * weight accounting; the books are compared with the simulator's true book at their update id, at full depth.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusEvent } from '../../src/schema/events.js';
import { isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];

describe('firstSnapshotDepth: shallow first snapshot, deepened later', () => {
  it('each book is live from a 20-level snapshot, then deepened to the true book at full depth', { timeout: 90_000 }, async () => {
    h = await startHarness({
      exchanges: ['binance'],
      markets: SYMBOLS.map((s) => `binance:${s}`),
      config: { channels: ['book'], firstSnapshotDepth: 20, snapshotDepth: 1000 },
      // 200 ms per diff: a deep snapshot lands on the book's exact id within a few tries even on a loaded box (a
      // snapshot the book is past, or one a delta straddles, is fetched again)
      sim: { levels: 300, intervalMs: 200 },
    });
    const hh = h;
    const deepened = (s: string) => (e: Parameters<Parameters<Harness['waitFor']>[0]>[0]): boolean =>
      e.type === 'status' && e.symbol === s && e.state === 'reconciled' && (e as StatusEvent).details?.['deepened'] === true;
    await Promise.all(SYMBOLS.map((s) => hh.waitFor(isStatus({ symbol: s, channel: 'book', state: 'live' }), `${s} live`, 20_000)));
    // live from the shallow snapshot: the first book_snapshot of each book has ~20 levels per side (the 20 of the
    // snapshot, give or take what the buffered deltas spliced onto it added or removed), not the true book's 300
    for (const s of SYMBOLS) {
      const first = hh.events.find((e) => e.type === 'book_snapshot' && e.symbol === s);
      expect(first?.type === 'book_snapshot' ? first.bids.length : 0).toBeGreaterThan(10);
      expect(first?.type === 'book_snapshot' ? first.bids.length : 999).toBeLessThan(40);
    }
    await Promise.all(SYMBOLS.map((s) => hh.waitFor(deepened(s), `${s} deepened`, 40_000)));
    const depth = hh.sim.entries('binance').filter((e) => e.kind === 'rest' && e.data?.includes('/api/v3/depth'));
    const limits = depth.map((e) => /limit=(\d+)/.exec(e.data ?? '')?.[1]);
    // one shallow request per book, before its deep ones; a deep snapshot the book is already
    // past, or that a delta straddles (half of the simulator's snapshots are taken partway into an event), is
    // fetched again — at 20 ms per diff that takes a few tries, each a full weight
    expect(limits.filter((l) => l === '20')).toHaveLength(SYMBOLS.length);
    expect(limits.filter((l) => l === '1000').length).toBeGreaterThanOrEqual(SYMBOLS.length);
    expect(limits.every((l) => l === '20' || l === '1000')).toBe(true);
    for (const s of SYMBOLS) {
      const mine = depth.filter((e) => e.data?.includes(`symbol=${s.replace('/', '')}&`)).map((e) => /limit=(\d+)/.exec(e.data ?? '')?.[1]);
      expect(mine[0]).toBe('20');
      expect(mine.slice(1).every((l) => l === '1000')).toBe(true);
    }
    // the hub's books are the true books at full depth (the simulator paused so ids settle)
    hh.sim.pause();
    for (const s of SYMBOLS) {
      const truthNow = hh.sim.trueBook('binance', s)!;
      if (hh.hub.book('binance', s)?.updateId !== truthNow.updateId) {
        await hh.waitFor(() => hh.hub.book('binance', s)?.updateId === truthNow.updateId, `${s} at ${truthNow.updateId}`).catch(() => undefined);
      }
      const b = hh.hub.book('binance', s)!;
      expect(b.state).toBe('live');
      const truth = hh.sim.trueBookAt('binance', s, b.updateId!)!;
      expect(b.sync.book.bidCount).toBe(truth.bids.length);
      expect(truth.bids.length).toBeGreaterThan(200);
      expect(b.sync.book.snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
    }
    expect(hh.events.filter((e) => e.type === 'status' && e.state === 'resyncing')).toEqual([]);
  });
});
