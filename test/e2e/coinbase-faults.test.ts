/**
 * Coinbase end to end over loopback: the simulator's Advanced Trade and Exchange servers, a real hub (real
 * sockets, real REST). Two symbols per connection, so the Advanced Trade per-connection sequence gap is seen to
 * resync every book of its connection and nothing else. Coinbase books carry no update id, so "the book equals
 * the true book" is checked at a quiescent point: after ≥ 50 further deltas the simulator is paused and the
 * consumer's book (rebuilt from the emitted events) must converge to the simulator's true book.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeId, MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const live = (ex: ExchangeId, symbol: string) => isStatus({ exchange: ex, symbol, channel: 'book', state: 'live' });
const resyncing = (ex: ExchangeId, symbol: string) => isStatus({ exchange: ex, symbol, channel: 'book', state: 'resyncing' });

async function start(exchange: ExchangeId, symbols: string[], config: Record<string, unknown> = {}): Promise<Harness> {
  h = await startHarness({
    exchanges: [exchange],
    markets: symbols.map((s) => `${exchange}:${s}`),
    config: { channels: ['book', 'ticker', 'trades'], symbolsPerConnection: 2, ...config },
  });
  await Promise.all(symbols.map((s) => h!.waitFor(live(exchange, s), `${exchange}:${s} live`)));
  return h;
}

/** Book statuses other than live/reconciled, since index `from`, for books not in `hit`. */
function troubleElsewhere(from: number, exchange: ExchangeId, hit: string[]): StatusEvent[] {
  return h!.events
    .slice(from)
    .filter(
      (e): e is StatusEvent =>
        e.type === 'status' &&
        e.channel === 'book' &&
        e.state !== 'live' &&
        e.state !== 'reconciled' &&
        !(e.exchange === exchange && hit.includes(e.symbol ?? '')),
    );
}

/**
 * After ≥ `minDeltas` deltas since the book's last snapshot: pause the simulator, wait (re-checking on every
 * event) until the consumer's book equals the simulator's true book, resume. Fails on timeout with the diff.
 */
async function expectBookConverges(exchange: ExchangeId, symbol: string, minDeltas = 50): Promise<void> {
  const hh = h!;
  const key = `${exchange}:${symbol}`;
  // at least `minDeltas` since the last snapshot AND since this call (which comes after any fault injected)
  const base = hh.books.get(key)?.applied ?? 0;
  const enough = (): boolean => (hh.books.get(key)?.deltas ?? 0) >= minDeltas && (hh.books.get(key)?.applied ?? 0) - base >= minDeltas;
  if (!enough()) {
    await hh.waitFor((e) => e.type === 'book_delta' && e.exchange === exchange && e.symbol === symbol && enough(), `${minDeltas} deltas on ${key}`, 15_000);
  }
  hh.sim.pause();
  try {
    const same = (): boolean => {
      const truth = hh.sim.trueBook(exchange, symbol)!;
      const mine = hh.books.get(key)!.book.snapshot();
      return JSON.stringify(mine) === JSON.stringify({ bids: truth.bids, asks: truth.asks });
    };
    if (!same()) {
      try {
        await hh.waitFor((e: MarketEvent) => e.type === 'book_delta' && e.exchange === exchange && e.symbol === symbol && same(), `${key} converges`, 3_000);
      } catch (err) {
        const truth = hh.sim.trueBook(exchange, symbol)!;
        expect(hh.books.get(key)!.book.snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
        throw err;
      }
    }
    const truth = hh.sim.trueBook(exchange, symbol)!;
    expect(truth.bids.length).toBeGreaterThan(0);
    expect(hh.books.get(key)!.book.snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
  } finally {
    hh.sim.resume();
  }
}

const EVERY_BOOK_INTEGRITY = (ex: ExchangeId): Set<string> =>
  new Set(h!.events.filter((e) => (e.type === 'book_snapshot' || e.type === 'book_delta') && e.exchange === ex).map((e) => (e as { integrity: string }).integrity));

describe('coinbase (Advanced Trade) end to end against the simulator', () => {
  const SYMS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT']; // connection 1: BTC + ETH; connection 2: SOL

  it('sequence gap: every level2 book of that connection resyncs by resubscribing; the other connection does not', async () => {
    await start('coinbase', SYMS);
    const from = h!.events.length;
    const subsBefore = h!.sim.entries('coinbase').filter((e) => e.kind === 'ws-recv' && e.data?.includes('"level2"')).length;
    h!.sim.fault('coinbase', { kind: 'sequence-gap', symbol: 'BTC/USDT', skip: 2 });
    const [btc, eth] = await Promise.all([
      h!.waitFor(resyncing('coinbase', 'BTC/USDT'), 'BTC resyncing'),
      h!.waitFor(resyncing('coinbase', 'ETH/USDT'), 'ETH resyncing'),
    ]);
    expect(btc.code).toBe('TW_ERR_SEQUENCE_GAP');
    expect(eth.code).toBe('TW_ERR_SEQUENCE_GAP');
    expect(btc.details).toMatchObject({ connectionId: eth.details?.['connectionId'] });
    await Promise.all([h!.waitFor(live('coinbase', 'BTC/USDT'), 'BTC live'), h!.waitFor(live('coinbase', 'ETH/USDT'), 'ETH live')]);
    // recovered by unsubscribe + subscribe of level2 on the same connection (no reconnect)
    const resubs = h!.sim.entries('coinbase').filter((e) => e.kind === 'ws-recv' && e.data?.includes('"level2"')).slice(subsBefore);
    expect(resubs.map((e) => (JSON.parse(e.data!) as { type: string }).type).sort()).toEqual(['subscribe', 'subscribe', 'unsubscribe', 'unsubscribe']);
    expect(h!.statuses({ exchange: 'coinbase', scope: 'connection', state: 'reconnecting' })).toEqual([]);
    await expectBookConverges('coinbase', 'BTC/USDT');
    await expectBookConverges('coinbase', 'ETH/USDT');
    await expectBookConverges('coinbase', 'SOL/USDT');
    expect(troubleElsewhere(from, 'coinbase', ['BTC/USDT', 'ETH/USDT'])).toEqual([]);
    expect(EVERY_BOOK_INTEGRITY('coinbase')).toEqual(new Set(['chained']));
  });

  it('an l2_data frame lost in transit (its sequence number consumed) resyncs its connection only', async () => {
    await start('coinbase', SYMS);
    const from = h!.events.length;
    h!.sim.fault('coinbase', { kind: 'drop-diff', symbol: 'SOL/USDT' });
    const sol = await h!.waitFor(resyncing('coinbase', 'SOL/USDT'), 'SOL resyncing');
    expect(sol.code).toBe('TW_ERR_SEQUENCE_GAP');
    await h!.waitFor(live('coinbase', 'SOL/USDT'), 'SOL live');
    await expectBookConverges('coinbase', 'SOL/USDT');
    await expectBookConverges('coinbase', 'BTC/USDT');
    expect(troubleElsewhere(from, 'coinbase', ['SOL/USDT'])).toEqual([]);
  });

  it('deletes of absent levels are normal: no resync, the book stays equal to the truth', async () => {
    await start('coinbase', ['BTC/USDT']);
    const from = h!.events.length;
    for (let i = 0; i < 3; i++) h!.sim.fault('coinbase', { kind: 'delete-absent', symbol: 'BTC/USDT' });
    await expectBookConverges('coinbase', 'BTC/USDT');
    expect(troubleElsewhere(from, 'coinbase', [])).toEqual([]);
  });

  it('disconnect: that connection reconnects and resyncs its books only', async () => {
    await start('coinbase', SYMS);
    const from = h!.events.length;
    h!.sim.fault('coinbase', { kind: 'close', symbol: 'SOL/USDT', code: 1001, reason: 'going away' });
    const sol = await h!.waitFor(resyncing('coinbase', 'SOL/USDT'), 'SOL resyncing');
    expect(sol.code).toBe('TW_ERR_RECONNECTED');
    await h!.waitFor(live('coinbase', 'SOL/USDT'), 'SOL live');
    await expectBookConverges('coinbase', 'SOL/USDT');
    await expectBookConverges('coinbase', 'ETH/USDT');
    expect(troubleElsewhere(from, 'coinbase', ['SOL/USDT'])).toEqual([]);
  });

  it('a ghost level (silent divergence) is found by the periodic top-N REST cross-check and resynced', async () => {
    await start('coinbase', ['BTC/USDT', 'ETH/USDT'], { reconcileIntervalMs: 100 });
    await h!.waitFor(isStatus({ exchange: 'coinbase', symbol: 'BTC/USDT', state: 'reconciled' }), 'a clean cross-check');
    const from = h!.events.length;
    h!.sim.fault('coinbase', { kind: 'ghost-level', symbol: 'BTC/USDT' });
    const r = await h!.waitFor(resyncing('coinbase', 'BTC/USDT'), 'BTC resyncing');
    expect(r.code).toBe('TW_ERR_RECONCILE_MISMATCH');
    // the ghost: a bid in the local book that the REST book does not have
    expect(r.details?.['diffs']).toContainEqual(expect.objectContaining({ side: 'bid', local: '1.00000000' }));
    await h!.waitFor(live('coinbase', 'BTC/USDT'), 'BTC live');
    await expectBookConverges('coinbase', 'BTC/USDT');
    expect(troubleElsewhere(from, 'coinbase', ['BTC/USDT'])).toEqual([]);
  });

  it('a refused subscription is reported and affects only its own connection', async () => {
    await start('coinbase', SYMS);
    const from = h!.events.length;
    h!.sim.fault('coinbase', { kind: 'error-reply', symbol: 'SOL/USDT', message: 'Failed to subscribe' });
    h!.sim.fault('coinbase', { kind: 'close', symbol: 'SOL/USDT' });
    await h!.waitFor(isStatus({ exchange: 'coinbase', scope: 'connection', state: 'error', code: 'TW_ERR_EXCHANGE_ERROR' }), 'error reported');
    await expectBookConverges('coinbase', 'BTC/USDT');
    expect(troubleElsewhere(from, 'coinbase', ['SOL/USDT'])).toEqual([]);
  });
});

describe('coinbase-exchange end to end against the simulator', () => {
  const SYMS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];

  it('level2_batch books carry integrity "none" and equal the true book; a disconnect resyncs its connection only', async () => {
    await start('coinbase-exchange', SYMS);
    await expectBookConverges('coinbase-exchange', 'BTC/USDT');
    expect(EVERY_BOOK_INTEGRITY('coinbase-exchange')).toEqual(new Set(['none']));
    const from = h!.events.length;
    h!.sim.fault('coinbase-exchange', { kind: 'close', symbol: 'SOL/USDT', code: 1001, reason: 'going away' });
    const sol = await h!.waitFor(resyncing('coinbase-exchange', 'SOL/USDT'), 'SOL resyncing');
    expect(sol.code).toBe('TW_ERR_RECONNECTED');
    await h!.waitFor(live('coinbase-exchange', 'SOL/USDT'), 'SOL live');
    await expectBookConverges('coinbase-exchange', 'SOL/USDT');
    await expectBookConverges('coinbase-exchange', 'ETH/USDT');
    expect(troubleElsewhere(from, 'coinbase-exchange', ['SOL/USDT'])).toEqual([]);
  });

  it('deletes of absent levels: no resync, still equal to the truth', async () => {
    await start('coinbase-exchange', ['ETH/USDT']);
    const from = h!.events.length;
    for (let i = 0; i < 3; i++) h!.sim.fault('coinbase-exchange', { kind: 'delete-absent', symbol: 'ETH/USDT' });
    await expectBookConverges('coinbase-exchange', 'ETH/USDT');
    expect(troubleElsewhere(from, 'coinbase-exchange', [])).toEqual([]);
  });

  it('a ghost level (undetectable on the feed) is found by the top-N REST cross-check; only that book resyncs', async () => {
    await start('coinbase-exchange', ['BTC/USDT', 'ETH/USDT'], { reconcileIntervalMs: 100 });
    await h!.waitFor(isStatus({ exchange: 'coinbase-exchange', symbol: 'ETH/USDT', state: 'reconciled' }), 'a clean cross-check');
    const from = h!.events.length;
    h!.sim.fault('coinbase-exchange', { kind: 'ghost-level', symbol: 'ETH/USDT' });
    const r = await h!.waitFor(resyncing('coinbase-exchange', 'ETH/USDT'), 'ETH resyncing');
    expect(r.code).toBe('TW_ERR_RECONCILE_MISMATCH');
    await h!.waitFor(live('coinbase-exchange', 'ETH/USDT'), 'ETH live');
    await expectBookConverges('coinbase-exchange', 'ETH/USDT');
    await expectBookConverges('coinbase-exchange', 'BTC/USDT');
    expect(troubleElsewhere(from, 'coinbase-exchange', ['ETH/USDT'])).toEqual([]);
  });
});
