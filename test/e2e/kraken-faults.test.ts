/**
 * Kraken v2 end to end against the simulator over real loopback sockets: BTC/USDT + ETH/USDT share one connection,
 * SOL/USDT has its own. Kraken has no update ids, so "the same point" is reached by pausing the simulator once the
 * consumer's book has applied ≥ 50 further deltas, then waiting (event-driven, bounded) for the frames in flight;
 * the consumer's book (built from the emitted events alone) must then equal the simulator's true top-10.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { isStatus, startHarness, type Harness } from '../helpers/harness.js';

const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
const DEPTH = 10;
let h: Harness;

const live = (symbol: string) => isStatus({ exchange: 'kraken', symbol, channel: 'book', state: 'live' });

function troubleElsewhere(from: number, hit: string[]): StatusEvent[] {
  return h.events
    .slice(from)
    .filter(
      (e): e is StatusEvent =>
        e.type === 'status' && e.exchange === 'kraken' && e.channel === 'book' && e.state !== 'live' && !hit.includes(e.symbol ?? ''),
    );
}

/** The consumer's book equals the true top-DEPTH after ≥ minDeltas deltas since its last snapshot. */
async function expectBookEqualsTruth(symbol: string, minDeltas = 50): Promise<void> {
  const key = `kraken:${symbol}`;
  // at least `minDeltas` since the last snapshot AND since this call (which comes after any fault injected)
  const base = h.books.get(key)?.applied ?? 0;
  const enough = (): boolean => (h.books.get(key)?.deltas ?? 0) >= minDeltas && (h.books.get(key)?.applied ?? 0) - base >= minDeltas;
  if (!enough()) {
    await h.waitFor((e) => e.type === 'book_delta' && e.symbol === symbol && enough(), `${minDeltas} deltas on ${key}`, 15_000);
  }
  h.sim.pause();
  try {
    const same = (): boolean => {
      const truth = h.sim.trueBook('kraken', symbol)!;
      const mine = h.books.get(key)!.book.snapshot();
      return JSON.stringify(mine) === JSON.stringify({ bids: truth.bids.slice(0, DEPTH), asks: truth.asks.slice(0, DEPTH) });
    };
    // frames sent before the pause may still be in flight: wait for them (bounded), event by event
    for (let i = 0; i < 20 && !same(); i++) {
      await h.waitFor((e) => e.type === 'book_delta' && e.symbol === symbol, 'in-flight delta', 250).catch(() => undefined);
    }
    const truth = h.sim.trueBook('kraken', symbol)!;
    const mine = h.books.get(key)!.book.snapshot();
    expect(mine.bids).toHaveLength(DEPTH);
    expect(mine).toEqual({ bids: truth.bids.slice(0, DEPTH), asks: truth.asks.slice(0, DEPTH) });
  } finally {
    h.sim.resume();
  }
}

beforeEach(async () => {
  h = await startHarness({
    exchanges: ['kraken'],
    markets: SYMBOLS.map((s) => `kraken:${s}`),
    config: { channels: ['book', 'ticker', 'trades'], symbolsPerConnection: 2, pingIntervalMs: 300, bookDepth: DEPTH },
  });
  await Promise.all(SYMBOLS.map((s) => h.waitFor(live(s), `${s} live`)));
});

afterEach(async () => {
  await h.close();
});

describe('kraken end to end against the simulator', () => {
  it('books are verified by checksum, carry exact padded decimals, and equal the true book', async () => {
    const snap = h.events.find((e) => e.type === 'book_snapshot' && e.symbol === 'BTC/USDT');
    expect(snap).toMatchObject({ exchange: 'kraken', market: 'BTC/USDT', integrity: 'checksum', integrityDepth: 10 });
    if (snap?.type !== 'book_snapshot') throw new Error('no snapshot');
    expect(snap.bids).toHaveLength(DEPTH);
    for (const [p, q] of snap.bids) {
      expect(p).toMatch(/^\d+\.\d{2}$/); // BTC/USDT tick decimals 2
      expect(q).toMatch(/^\d+\.\d{5}$/); // lot decimals 5
    }
    await h.waitFor((e) => e.type === 'ticker' && e.symbol === 'ETH/USDT' && e.bidPrice !== undefined, 'ETH ticker with bbo');
    await h.waitFor((e) => e.type === 'trade' && e.symbol === 'SOL/USDT', 'SOL trade');
    await expectBookEqualsTruth('BTC/USDT');
    await expectBookEqualsTruth('SOL/USDT', 10);
  });

  for (const fault of ['kraken-bad-checksum', 'drop-diff'] as const) {
    it(`${fault}: checksum mismatch resyncs that book only (resubscribe), then it equals the true book`, async () => {
      const from = h.events.length;
      // a single lost update can be healed by the next one (it may rewrite the same levels) and then nothing is
      // wrong; several in a row cannot be, in practice
      h.sim.fault('kraken', fault === 'drop-diff' ? { kind: fault, symbol: 'BTC/USDT', count: 4 } : { kind: fault, symbol: 'BTC/USDT' });
      const resync = await h.waitFor(isStatus({ exchange: 'kraken', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }), 'BTC resyncing');
      expect(resync.code).toBe('TW_ERR_CHECKSUM');
      await h.waitFor(live('BTC/USDT'), 'BTC live again');
      // the resync was an unsubscribe + subscribe of that book on the wire
      const sent = h.sim.entries('kraken').filter((e) => e.kind === 'ws-recv' && e.data?.includes('"channel":"book"'));
      expect(sent.some((e) => e.data?.includes('"unsubscribe"') && e.data.includes('BTC/USDT'))).toBe(true);
      expect(sent.filter((e) => e.data?.includes('"unsubscribe"')).every((e) => !e.data?.includes('ETH/USDT'))).toBe(true);
      await expectBookEqualsTruth('BTC/USDT');
      await expectBookEqualsTruth('ETH/USDT', 10);
      expect(troubleElsewhere(from, ['BTC/USDT'])).toEqual([]);
    });
  }

  it('garbage-replaced update: counted as malformed; the frame names its book, which resyncs at once; that book only', async () => {
    const from = h.events.length;
    const report = h.waitFor(isStatus({ exchange: 'kraken', code: 'TW_ERR_MALFORMED_FRAME', scope: 'connection' }), 'malformed report');
    const resync = h.waitFor(isStatus({ exchange: 'kraken', symbol: 'ETH/USDT', channel: 'book', state: 'resyncing' }), 'ETH resyncing');
    h.sim.fault('kraken', { kind: 'garbage-diff', symbol: 'ETH/USDT', count: 4 });
    await report;
    // the unreadable update names ETH/USDT: resynced on it, before any checksum
    expect((await resync).code).toBe('TW_ERR_MALFORMED_FRAME');
    await h.waitFor(live('ETH/USDT'), 'ETH live again');
    await expectBookEqualsTruth('ETH/USDT');
    expect(troubleElsewhere(from, ['ETH/USDT'])).toEqual([]);
  });

  // server-shutdown: make-before-break, no reconnect of the old connection (test/e2e/make-before-break.test.ts)
  for (const fault of ['stop-all', 'close'] as const) {
    it(`${fault}: reconnects the connection carrying SOL and resyncs its book only`, async () => {
      const from = h.events.length;
      h.sim.fault('kraken', fault === 'close' ? { kind: 'close', symbol: 'SOL/USDT', code: 1001, reason: 'going away' } : { kind: fault, symbol: 'SOL/USDT' });
      const reconnecting = await h.waitFor(isStatus({ exchange: 'kraken', scope: 'connection', state: 'reconnecting' }), 'reconnecting');
      const expectedCode = { 'stop-all': 'TW_ERR_STALE', close: 'TW_ERR_SOCKET_CLOSED', 'server-shutdown': 'TW_ERR_SERVER_SHUTDOWN' }[fault];
      expect(h.statuses({ exchange: 'kraken', scope: 'connection' }).slice(-3).map((s) => s.code)).toContain(expectedCode);
      if (fault === 'stop-all') {
        // before giving up, the quiet connection sent Kraken's JSON ping (unanswered under stop-all)
        expect(h.sim.entries('kraken').some((e) => e.kind === 'ws-recv' && /"method":"ping","req_id":\d+/.test(e.data ?? ''))).toBe(true);
        h.sim.clearFaults('kraken');
      }
      await h.waitFor(
        (e: MarketEvent) => e.type === 'status' && e.scope === 'connection' && e.state === 'open' && e.connectionId === reconnecting.connectionId,
        'reopened',
      );
      // under stop-all the no-data watchdog (1.5 s) sees the silent book before the stale watchdog (3 s) reconnects
      const codes = fault === 'stop-all' ? ['TW_ERR_NO_DATA', 'TW_ERR_RECONNECTED'] : ['TW_ERR_RECONNECTED'];
      expect(codes).toContain(h.statuses({ exchange: 'kraken', symbol: 'SOL/USDT', channel: 'book', state: 'resyncing' }).at(-1)?.code);
      await h.waitFor(live('SOL/USDT'), 'SOL live again');
      await expectBookEqualsTruth('SOL/USDT');
      expect(troubleElsewhere(from, ['SOL/USDT'])).toEqual([]);
      await expectBookEqualsTruth('BTC/USDT', 10);
    });
  }

  it('silence (heartbeats continue): no reconnect; the stream reports no data, then resumed data forces a resync', async () => {
    const from = h.events.length;
    // a checksum book cannot prove what a silence lost below its checksum depth: it is resynced as soon as it goes
    // silent (and again if it resumes with an update rather than the resubscribe's snapshot)
    const resyncing = h.waitFor(isStatus({ exchange: 'kraken', symbol: 'SOL/USDT', channel: 'book', state: 'resyncing' }), 'SOL resyncing');
    h.sim.fault('kraken', { kind: 'silence', symbol: 'SOL/USDT' });
    await h.waitFor(isStatus({ exchange: 'kraken', symbol: 'SOL/USDT', code: 'TW_ERR_NO_DATA' }), 'SOL no data');
    const resync = await resyncing;
    expect(resync.code).toBe('TW_ERR_NO_DATA');
    h.sim.clearFaults('kraken');
    await h.waitFor(live('SOL/USDT'), 'SOL live again');
    await expectBookEqualsTruth('SOL/USDT');
    expect(h.statuses({ exchange: 'kraken', scope: 'connection', state: 'reconnecting' }).filter((s) => h.events.indexOf(s) >= from)).toEqual([]);
    expect(troubleElsewhere(from, ['SOL/USDT'])).toEqual([]);
  });

  it('a subscription error reply (pair not supported) affects only its own stream', async () => {
    const from = h.events.length;
    h.sim.fault('kraken', { kind: 'kraken-reject', symbol: 'XRP/USDT' });
    void h.hub.add('kraken', 'XRP/USDT', ['book', 'trades']);
    const err = await h.waitFor(isStatus({ exchange: 'kraken', symbol: 'XRP/USDT', state: 'error' }), 'XRP error');
    expect(err.code).toBe('TW_ERR_UNKNOWN_SYMBOL');
    expect(err.reason).toContain('Currency pair not supported');
    await expectBookEqualsTruth('BTC/USDT', 10);
    expect(troubleElsewhere(from, ['XRP/USDT'])).toEqual([]);
  });

  it('error reply to the re-subscribe after a reconnect: retried with backoff while refused, the book comes back after', async () => {
    const from = h.events.length;
    h.sim.fault('kraken', { kind: 'kraken-reject', symbol: 'SOL/USDT' }); // until cleared
    h.sim.fault('kraken', { kind: 'close', symbol: 'SOL/USDT', code: 1001, reason: 'going away' });
    const refused = isStatus({ exchange: 'kraken', symbol: 'SOL/USDT', channel: 'book', state: 'error' });
    for (let i = 0; i < 3; i++) await h.waitFor(refused, `refusal ${i + 1}`);
    const errs = h.statuses({ exchange: 'kraken', symbol: 'SOL/USDT', channel: 'book', state: 'error' }).filter((e) => h.events.indexOf(e) >= from);
    expect(errs.slice(0, 3).map((e) => [e.code, e.details?.permanent, e.details?.attempt])).toEqual([
      ['TW_ERR_UNKNOWN_SYMBOL', false, 1],
      ['TW_ERR_UNKNOWN_SYMBOL', false, 2],
      ['TW_ERR_UNKNOWN_SYMBOL', false, 3],
    ]);
    h.sim.clearFaults('kraken');
    await h.waitFor(live('SOL/USDT'), 'SOL live again');
    await expectBookEqualsTruth('SOL/USDT');
    expect(troubleElsewhere(from, ['SOL/USDT'])).toEqual([]);
  });

  it('a legacy XBT symbol resolves to the v2 market', async () => {
    const ok = await h.hub.add('kraken', 'XBT/USDT', ['trades']);
    expect(ok).toBe(true);
    await h.waitFor((e) => e.type === 'trade' && e.symbol === 'BTC/USDT' && e.market === 'BTC/USDT', 'BTC trade');
  });
});
