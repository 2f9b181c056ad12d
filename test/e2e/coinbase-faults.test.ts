/**
 * Coinbase end to end over loopback: the simulator's Advanced Trade and Exchange servers, a real hub (real
 * sockets, real REST). Two symbols per connection, so the Advanced Trade per-connection sequence gap is seen to
 * resync every book of its connection and nothing else. Coinbase books carry no update id, so "the book equals
 * the true book" is checked at a quiescent point: after ≥ 50 further deltas the simulator is paused and the
 * consumer's book (rebuilt from the emitted events) must converge to the simulator's true book.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeId, MarketEvent, StatusEvent } from '../../src/schema/events.js';
import type { SimOptions } from '../../src/sim/index.js';
import { isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const live = (ex: ExchangeId, symbol: string) => isStatus({ exchange: ex, symbol, channel: 'book', state: 'live' });
const resyncing = (ex: ExchangeId, symbol: string) => isStatus({ exchange: ex, symbol, channel: 'book', state: 'resyncing' });

async function start(
  exchange: ExchangeId,
  symbols: string[],
  config: Record<string, unknown> = {},
  sim: Partial<SimOptions> = {},
): Promise<Harness> {
  h = await startHarness({
    exchanges: [exchange],
    markets: symbols.map((s) => `${exchange}:${s}`),
    config: { channels: ['book', 'ticker', 'trades'], symbolsPerConnection: 2, ...config },
    sim,
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

/** book_delta events of one book emitted since index `from` of the event log. */
function deltasSince(from: number, exchange: ExchangeId, symbol: string): number {
  let n = 0;
  for (let i = from; i < h!.events.length; i++) {
    const e = h!.events[i]!;
    if (e.type === 'book_delta' && e.exchange === exchange && e.symbol === symbol) n++;
  }
  return n;
}

/**
 * After ≥ `minDeltas` deltas since the book's last snapshot (or, with `from`, since index `from` of the event
 * log, e.g. the fault): pause the simulator, wait (re-checking on every event) until the consumer's book equals
 * the simulator's true book, resume. Fails on timeout with the diff.
 */
async function expectBookConverges(exchange: ExchangeId, symbol: string, minDeltas = 50, from?: number): Promise<void> {
  const hh = h!;
  const key = `${exchange}:${symbol}`;
  // at least `minDeltas` since the last snapshot AND since this call (which comes after any fault injected),
  // and with `from`, since that index of the event log too
  const base = hh.books.get(key)?.applied ?? 0;
  const enough = (): boolean =>
    (hh.books.get(key)?.deltas ?? 0) >= minDeltas &&
    (hh.books.get(key)?.applied ?? 0) - base >= minDeltas &&
    (from === undefined || deltasSince(from, exchange, symbol) >= minDeltas);
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
    expect(EVERY_BOOK_INTEGRITY('coinbase')).toEqual(new Set(['monotonic']));
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

  it('missing heartbeats: Coinbase closes the channels, the silent books go NO_DATA + resyncing, are resubscribed and recover', async () => {
    // channels close 300 ms after heartbeats stop (real: 60–90 s); tickwire's no-data timeout is 1.5 s
    await start('coinbase', SYMS, {}, { closeWithoutHeartbeatsMs: 300 });
    const from = h!.events.length;
    const subsBefore = h!.sim.entries('coinbase').filter((e) => e.kind === 'ws-recv' && e.data?.includes('"level2"')).length;
    const hit = ['BTC/USDT', 'ETH/USDT']; // connection 1
    const noData = hit.map((s) => h!.waitFor(isStatus({ exchange: 'coinbase', symbol: s, channel: 'book', state: 'no_data' }), `${s} no_data`));
    const resync = hit.map((s) => h!.waitFor(resyncing('coinbase', s), `${s} resyncing`));
    const back = hit.map((s) => h!.waitFor(live('coinbase', s), `${s} live again`));
    h!.sim.fault('coinbase', { kind: 'missing-heartbeat', symbol: 'BTC/USDT' });
    const nd = await Promise.all(noData);
    const rs = await Promise.all(resync);
    // heartbeats come back; the data channels stay closed until tickwire resubscribes them
    h!.sim.clearFaults('coinbase');
    for (const e of nd) expect(e.code).toBe('TW_ERR_NO_DATA');
    for (const e of rs) expect(e.code).toBe('TW_ERR_NO_DATA');
    await Promise.all(back);
    // not live from the silence until the resubscribe's snapshot
    for (const s of hit) {
      const states = h!.events
        .slice(from)
        .filter((e): e is StatusEvent => e.type === 'status' && e.symbol === s && e.channel === 'book')
        .map((e) => e.state);
      expect(states.slice(0, 2)).toEqual(['no_data', 'resyncing']);
      expect(states.indexOf('live')).toBeGreaterThan(1);
    }
    const recovered = h!.events.length;
    // recovered in-band on the same connection: unsubscribe + subscribe level2 of each silent book
    const resubs = h!.sim.entries('coinbase').filter((e) => e.kind === 'ws-recv' && e.data?.includes('"level2"')).slice(subsBefore);
    for (const native of ['BTC-USDT', 'ETH-USDT']) {
      const mine = resubs.filter((e) => e.data!.includes(native)).map((e) => (JSON.parse(e.data!) as { type: string }).type);
      expect(mine.slice(0, 2)).toEqual(['unsubscribe', 'subscribe']);
    }
    expect(resubs.some((e) => e.data!.includes('SOL-USDT'))).toBe(false);
    // ≥ 50 updates after the recovery (so after the fault), then equal to the true book
    await expectBookConverges('coinbase', 'BTC/USDT', 50, recovered);
    await expectBookConverges('coinbase', 'ETH/USDT', 50, recovered);
    await expectBookConverges('coinbase', 'SOL/USDT', 50, from);
    expect(troubleElsewhere(from, 'coinbase', hit)).toEqual([]);
  });

  it('an error reply naming one product affects only that product: a stream-scoped error, the other books stay live', async () => {
    await start('coinbase', ['BTC/USDT', 'ETH/USDT'], { symbolsPerConnection: 3 });
    const from = h!.events.length;
    // the next subscribe on that connection is refused for SOL (as Coinbase words it); BTC and ETH share it
    h!.sim.fault('coinbase', {
      kind: 'error-reply',
      symbol: 'BTC/USDT',
      message: 'Failed to subscribe',
      reason: 'SOL-USDT is not a valid product',
    });
    const err = h!.waitFor(isStatus({ exchange: 'coinbase', symbol: 'SOL/USDT', scope: 'stream', state: 'error' }), 'SOL stream error');
    await h!.hub.add('coinbase', 'SOL/USDT', ['book', 'ticker', 'trades']);
    const e = await err;
    expect(e.code).toBe('TW_ERR_UNKNOWN_SYMBOL');
    expect(e.market).toBe('SOL-USDT');
    expect(h!.statuses({ exchange: 'coinbase', scope: 'connection', state: 'error' })).toEqual([]);
    expect(h!.statuses({ exchange: 'coinbase', scope: 'connection', state: 'reconnecting' })).toEqual([]);
    await expectBookConverges('coinbase', 'BTC/USDT', 50, from);
    await expectBookConverges('coinbase', 'ETH/USDT', 50, from);
    expect(troubleElsewhere(from, 'coinbase', ['SOL/USDT'])).toEqual([]);
    expect(h!.events.slice(from).some((x) => x.type === 'status' && x.symbol !== 'SOL/USDT' && x.state === 'error')).toBe(false);
  });
});

/**
 * A silence of one connection's data shorter than the no-data timeout (≈ 1 s, measured in deltas of a book on
 * another connection): the books of the silent connection resume with updates they cannot prove complete, so they
 * are resynced (TW_ERR_NO_DATA) and then equal the truth; nothing goes `no_data`; the other connection is untouched.
 */
async function expectShortSilenceResyncs(exchange: ExchangeId, silent: string, other: string): Promise<void> {
  await start(exchange, [silent, other], { symbolsPerConnection: 1, noDataTimeoutMs: 30_000, bookPauseMs: 400, pingIntervalMs: 300 });
  const from = h!.events.length;
  const resync = h!.waitFor(resyncing(exchange, silent), `${silent} resyncing`);
  h!.sim.fault(exchange, { kind: 'silence', symbol: silent });
  const start0 = deltasSince(from, exchange, other);
  await h!.waitFor((e) => e.type === 'book_delta' && e.exchange === exchange && deltasSince(from, exchange, other) >= start0 + 20, `20 ${other} deltas`);
  h!.sim.clearFaults(exchange);
  const r = await resync;
  expect(r.code).toBe('TW_ERR_NO_DATA');
  await h!.waitFor(live(exchange, silent), `${silent} live again`);
  const recovered = h!.events.length;
  await expectBookConverges(exchange, silent, 50, recovered);
  expect(h!.statuses({ state: 'no_data' })).toEqual([]);
  expect(troubleElsewhere(from, exchange, [silent])).toEqual([]);
}

describe('a silence shorter than the no-data timeout', () => {
  it('coinbase (Advanced Trade: the chain is per connection, not per book): the resumed book is resynced', async () => {
    await expectShortSilenceResyncs('coinbase', 'BTC/USDT', 'ETH/USDT');
  });

  it('coinbase-exchange (no sequence on level2): the resumed book is resynced', async () => {
    await expectShortSilenceResyncs('coinbase-exchange', 'BTC/USDT', 'ETH/USDT');
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


  it('missing heartbeats on the Exchange feed lose no data: no resync, no reconnect, books equal the truth', async () => {
    await start('coinbase-exchange', ['BTC/USDT', 'ETH/USDT']);
    const from = h!.events.length;
    h!.sim.fault('coinbase-exchange', { kind: 'missing-heartbeat', symbol: 'BTC/USDT' });
    // ≥ 50 level2_batch updates after the fault span several heartbeat intervals
    await expectBookConverges('coinbase-exchange', 'BTC/USDT', 50, from);
    await expectBookConverges('coinbase-exchange', 'ETH/USDT', 50, from);
    expect(troubleElsewhere(from, 'coinbase-exchange', [])).toEqual([]);
    expect(h!.statuses({ exchange: 'coinbase-exchange', scope: 'connection', state: 'reconnecting' })).toEqual([]);
  });

  it('a book that goes silent on a healthy connection (integrity "none") goes NO_DATA + resyncing and is resubscribed', async () => {
    await start('coinbase-exchange', ['BTC/USDT', 'ETH/USDT']); // one connection: ETH keeps it healthy
    const from = h!.events.length;
    const subsBefore = h!.sim.entries('coinbase-exchange').filter((e) => e.kind === 'ws-recv').length;
    const noData = h!.waitFor(isStatus({ exchange: 'coinbase-exchange', symbol: 'BTC/USDT', channel: 'book', state: 'no_data' }), 'BTC no_data');
    const silent = h!.waitFor(resyncing('coinbase-exchange', 'BTC/USDT'), 'BTC resyncing');
    const back = h!.waitFor(live('coinbase-exchange', 'BTC/USDT'), 'BTC live again');
    h!.sim.fault('coinbase-exchange', { kind: 'black-hole', symbol: 'BTC/USDT' });
    expect((await noData).code).toBe('TW_ERR_NO_DATA');
    const r = await silent;
    expect(r.code).toBe('TW_ERR_NO_DATA');
    expect(r.reason).toMatch(/silent/);
    h!.sim.clearFaults('coinbase-exchange');
    await back;
    const recovered = h!.events.length;
    // resubscribed on the same connection: unsubscribe + subscribe naming BTC only
    const resubs = h!.sim.entries('coinbase-exchange').filter((e) => e.kind === 'ws-recv').slice(subsBefore);
    expect(resubs.map((e) => (JSON.parse(e.data!) as { type: string }).type).slice(0, 2)).toEqual(['unsubscribe', 'subscribe']);
    for (const e of resubs) expect(e.data).not.toContain('ETH-USDT');
    await expectBookConverges('coinbase-exchange', 'BTC/USDT', 50, recovered);
    await expectBookConverges('coinbase-exchange', 'ETH/USDT', 50, from);
    expect(troubleElsewhere(from, 'coinbase-exchange', ['BTC/USDT'])).toEqual([]);
    expect(h!.statuses({ exchange: 'coinbase-exchange', scope: 'connection', state: 'reconnecting' })).toEqual([]);
  });

  it('garbage diff (truncated l2update naming its product): that book resyncs at once, the other stays live', async () => {
    await start('coinbase-exchange', ['BTC/USDT', 'ETH/USDT']); // one connection
    const from = h!.events.length;
    h!.sim.fault('coinbase-exchange', { kind: 'garbage-diff', symbol: 'BTC/USDT' });
    const r = await h!.waitFor(resyncing('coinbase-exchange', 'BTC/USDT'), 'BTC resyncing');
    expect(r.code).toBe('TW_ERR_MALFORMED_FRAME');
    await h!.waitFor(live('coinbase-exchange', 'BTC/USDT'), 'BTC live again');
    const recovered = h!.events.length;
    await expectBookConverges('coinbase-exchange', 'BTC/USDT', 50, recovered);
    await expectBookConverges('coinbase-exchange', 'ETH/USDT', 50, from);
    expect(troubleElsewhere(from, 'coinbase-exchange', ['BTC/USDT'])).toEqual([]);
  });

  it('deletes of absent levels: no resync, still equal to the truth', async () => {
    await start('coinbase-exchange', ['ETH/USDT']);
    const from = h!.events.length;
    for (let i = 0; i < 3; i++) h!.sim.fault('coinbase-exchange', { kind: 'delete-absent', symbol: 'ETH/USDT' });
    await expectBookConverges('coinbase-exchange', 'ETH/USDT');
    expect(troubleElsewhere(from, 'coinbase-exchange', [])).toEqual([]);
  });

  it('a ghost level (undetectable on the feed) is found by the top-N REST cross-check; only that book resyncs', async () => {
    await start('coinbase-exchange', ['BTC/USDT', 'ETH/USDT'], { reconcileIntervalMs: 100, bookCheckIntervalMs: 0 });
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

  it('a ghost level deep in the book (60th bid, past any top-N check) is found by the full-book REST check within 3 checks; only that book resyncs', async () => {
    const every = 300;
    await start('coinbase-exchange', ['BTC/USDT', 'ETH/USDT'], { reconcileIntervalMs: 0, bookCheckIntervalMs: every }, { levels: 200 });
    const from = h!.events.length;
    h!.sim.fault('coinbase-exchange', { kind: 'ghost-level', symbol: 'ETH/USDT', level: 60 });
    const t0 = Date.now();
    const r = await h!.waitFor(resyncing('coinbase-exchange', 'ETH/USDT'), 'ETH resyncing', 10_000);
    const took = Date.now() - t0;
    expect(r.code).toBe('TW_ERR_RECONCILE_MISMATCH');
    expect(r.details?.['check']).toBe('full-book');
    expect(JSON.stringify(r.details?.['diffs'])).toMatch(/"side":"bid"/);
    // 3 checks: the first at most one interval after the loss, two more after it (+ REST time, a loaded machine)
    expect(took).toBeLessThan(3 * every + 2_000);
    await h!.waitFor(live('coinbase-exchange', 'ETH/USDT'), 'ETH live');
    await expectBookConverges('coinbase-exchange', 'ETH/USDT');
    await expectBookConverges('coinbase-exchange', 'BTC/USDT');
    expect(troubleElsewhere(from, 'coinbase-exchange', ['ETH/USDT'])).toEqual([]);
  });

  it('the full-book check raises no false alarm on a moving market: 20 checks per book, nothing resyncs, books equal the truth', async () => {
    const every = 200;
    await start('coinbase-exchange', ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], { reconcileIntervalMs: 0, bookCheckIntervalMs: every }, { levels: 200 });
    const from = h!.events.length;
    const rest = (): number => h!.sim.entries('coinbase-exchange').filter((e) => e.kind === 'rest' && e.data?.includes('/book')).length;
    const base = rest();
    await h!.waitFor(() => rest() - base >= 60, '60 full-book checks', 30_000);
    expect(troubleElsewhere(from, 'coinbase-exchange', [])).toEqual([]);
    await expectBookConverges('coinbase-exchange', 'BTC/USDT');
  });
});
