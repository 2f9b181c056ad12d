/**
 * bars(): trade bars from the simulator's own trades, checked against bars computed here independently (integer
 * ticks and lots, no decimal helper of tickwire's), and the cases that must mark a bar incomplete.
 */
import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { bars } from '../../src/operators/bars.js';
import { SimMarket } from '../../src/sim/market.js';
import { seededRandom } from '../helpers/random.js';
import { MarketEvent, type TradeBarEvent, type TradeEvent } from '../../src/schema/events.js';
import type { SimTrade } from '../../src/sim/types.js';

const SPEC = { symbol: 'BTC/USDT', mid: '30000.00', tickDecimals: 2, lotDecimals: 5 };

/** The simulator's trades of one symbol at seeded random times (0–700 ms apart), with a diff between trades. */
function simTrades(n: number, seed: number): SimTrade[] {
  let clock = 1_700_000_000_123;
  const market = new SimMarket({ seed, symbols: [SPEC], levels: 50, now: () => clock });
  const rnd = seededRandom(seed);
  const out: SimTrade[] = [];
  for (let i = 0; i < n; i++) {
    clock += Math.floor(rnd() * 700);
    market.step(SPEC.symbol);
    out.push(market.trade(SPEC.symbol));
  }
  return out;
}

function tradeEvents(trades: SimTrade[], epoch = 'e1'): TradeEvent[] {
  return trades.map((t, i) => ({
    type: 'trade',
    exchange: 'binance',
    symbol: t.symbol,
    market: 'BTCUSDT',
    exchangeTime: t.time * 1000,
    localTime: t.time * 1000 + 5,
    seq: i + 1,
    epoch,
    tradeId: String(t.id),
    price: t.price,
    size: t.size,
    side: t.side,
  }));
}

/** Fixed-point string with `d` fraction digits → integer units. */
const units = (s: string, d: number): bigint => {
  const [i, f = ''] = s.split('.');
  expect(f.length).toBe(d);
  return BigInt(i! + f);
};
const fixed = (u: bigint, d: number): string => {
  const s = u.toString().padStart(d + 1, '0');
  return d === 0 ? s : `${s.slice(0, -d)}.${s.slice(-d)}`;
};

/** The reference: group by whole interval, integer arithmetic in ticks and lots. */
function referenceBars(trades: SimTrade[], intervalMs: number) {
  const groups = new Map<number, SimTrade[]>();
  for (const t of trades) {
    const start = Math.floor(t.time / intervalMs) * intervalMs;
    let g = groups.get(start);
    if (!g) groups.set(start, (g = []));
    g.push(t);
  }
  const td = SPEC.tickDecimals;
  const ld = SPEC.lotDecimals;
  return [...groups].map(([start, g]) => {
    const px = g.map((t) => units(t.price, td));
    const vol = g.reduce((a, t) => a + units(t.size, ld), 0n);
    const side = (s: 'buy' | 'sell') => g.filter((t) => t.side === s).reduce((a, t) => a + units(t.size, ld), 0n);
    const notional = g.reduce((a, t) => a + units(t.price, td) * units(t.size, ld), 0n); // scale td + ld
    // vwap to 12 digits, half up (all positive): notional × 10^12 / (vol × 10^td)
    const num = notional * 10n ** 12n;
    const den = vol * 10n ** BigInt(td);
    let q = num / den;
    if ((num % den) * 2n >= den) q += 1n;
    const vwap = fixed(q, 12).replace(/\.?0+$/, '');
    const max = px.reduce((a, b) => (b > a ? b : a));
    const min = px.reduce((a, b) => (b < a ? b : a));
    return {
      start: start * 1000,
      end: (start + intervalMs) * 1000,
      open: g[0]!.price,
      high: fixed(max, td),
      low: fixed(min, td),
      close: g.at(-1)!.price,
      volume: fixed(vol, ld),
      buyVolume: fixed(side('buy'), ld),
      sellVolume: fixed(side('sell'), ld),
      trades: g.length,
      vwap,
      firstTradeId: String(g[0]!.id),
      lastTradeId: String(g.at(-1)!.id),
    };
  });
}

const run = (events: MarketEvent[], interval: string, closeAfterMs?: number): Promise<TradeBarEvent[]> =>
  lastValueFrom(from(events).pipe(bars({ interval, ...(closeAfterMs !== undefined ? { closeAfterMs } : {}) }), toArray()));

const core = (b: TradeBarEvent) => {
  const { type: _t, exchange: _e, symbol: _s, market: _m, localTime: _l, seq: _q, epoch: _p, interval: _i, complete: _c, ...rest } = b;
  return rest;
};

describe('bars()', () => {
  it.each([
    ['1s', 1000, 1],
    ['5s', 5000, 2],
    ['1m', 60_000, 3],
  ])('%s bars of 3000 simulator trades equal the reference bars; only the first and the flushed last are incomplete', async (interval, ms, seed) => {
    const trades = simTrades(3000, seed);
    const got = await run(tradeEvents(trades), interval);
    const want = referenceBars(trades, ms);
    expect(want.length).toBeGreaterThan(10);
    expect(got.map(core)).toEqual(want);
    expect(got.map((b) => b.complete)).toEqual(want.map((_, i) => i > 0 && i < want.length - 1));
    for (const b of got) expect(() => MarketEvent.parse(b)).not.toThrow();
    expect(got.map((b) => b.seq)).toEqual(want.map((_, i) => i + 1));
  });

  it('closes a bar on an event of the same exchange closeAfterMs past its end, not before', async () => {
    const [t1] = tradeEvents(simTrades(1, 4));
    const end = Math.floor(t1!.exchangeTime! / 1e6) * 1e6 + 1e6;
    const tick = (seq: number, exchangeTime: number): MarketEvent => ({
      type: 'ticker', exchange: 'binance', symbol: 'ETH/USDT', market: 'ETHUSDT', exchangeTime, localTime: exchangeTime + 7, seq, epoch: 'e1', last: '1.0',
    });
    const src = [t1!, tick(1, end + 199_999), tick(2, end + 200_000), tick(3, end + 300_000)];
    const timeline: string[] = [];
    from(src)
      .pipe(bars({ interval: '1s', closeAfterMs: 200 }))
      .subscribe({ next: (b) => timeline.push(`bar@${b.localTime}`), complete: () => timeline.push('end') });
    // the bar came on the second ticker, before the third and before completion (not flushed)
    expect(timeline).toEqual([`bar@${end + 200_007}`, 'end']);
  });

  it('marks the bar open at a reconnect, and the first bar after it, incomplete; later bars are complete', async () => {
    const trades = simTrades(600, 5);
    const events = tradeEvents(trades);
    // a reconnect of the exchange's connection in the middle, as the runtime emits it
    const at = 300;
    const reconnect: MarketEvent = {
      type: 'status', scope: 'connection', exchange: 'binance', connectionId: 'binance#1', state: 'reconnecting',
      code: 'TW_ERR_SOCKET_CLOSED', reason: 'closed', localTime: events[at]!.localTime, seq: 1, epoch: 'e1',
    };
    // trades lost during the reconnect were never stamped: no seq hole, only the status tells
    const lost = 40;
    const withGap = [...events.slice(0, at), reconnect, ...events.slice(at + lost).map((e, i) => ({ ...e, seq: at + 1 + i }))];
    const got = await run(withGap, '1s');
    const barOf = (e: TradeEvent) => Math.floor(e.exchangeTime! / 1e6) * 1e6;
    const openAtGap = barOf(events[at - 1]!);
    const firstAfter = barOf(events[at + lost]!);
    const incomplete = got.filter((b) => !b.complete).map((b) => b.start);
    expect(incomplete).toEqual([got[0]!.start, openAtGap, ...(firstAfter !== openAtGap ? [firstAfter] : []), got.at(-1)!.start]);
  });

  it('a seq hole or a trades gap status of the market marks its bar incomplete; a book resync does not', async () => {
    const events = tradeEvents(simTrades(400, 6));
    const barOf = (e: TradeEvent) => Math.floor(e.exchangeTime! / 1e6) * 1e6;
    // a hole: trade 100 missing (seq jumps), the stream itself goes on. The lost trade lies between trades 99 and
    // 101: both their bars are incomplete (the same bar, or two)
    const holed = [...events.slice(0, 100), ...events.slice(101)];
    const h = await run(holed, '1s');
    const expected = [h[0]!.start, barOf(events[99]!), barOf(events[101]!), h.at(-1)!.start];
    expect(h.filter((b) => !b.complete).map((b) => b.start)).toEqual(expected.filter((v, i, a) => a.indexOf(v) === i));

    const status = (channel: 'book' | 'trades', state: 'resyncing' | 'gap'): MarketEvent => ({
      type: 'status', scope: 'stream', exchange: 'binance', symbol: 'BTC/USDT', channel, state,
      code: 'TW_ERR_BACKPRESSURE', reason: 'x', localTime: events[200]!.localTime, seq: 1, epoch: 'e1',
    });
    const book = await run([...events.slice(0, 200), status('book', 'resyncing'), ...events.slice(200)], '1s');
    expect(book.filter((b) => !b.complete)).toHaveLength(2); // first and flushed last only
    const gap = await run([...events.slice(0, 200), status('trades', 'gap'), ...events.slice(200)], '1s');
    expect(gap.filter((b) => !b.complete).map((b) => b.start)).toContain(barOf(events[199]!));
  });

  it('counts a trade that arrives after its bar was emitted as late, in no bar', async () => {
    const events = tradeEvents(simTrades(200, 7));
    const late = events[50]!;
    const rest = [...events.slice(0, 50), ...events.slice(51)];
    // deliver trade 50 after the trades two seconds later (its bar closed by then), with consecutive seqs
    const idx = rest.findIndex((e) => e.exchangeTime! > late.exchangeTime! + 2_500_000);
    const reordered = [...rest.slice(0, idx), late, ...rest.slice(idx)].map((e, i) => ({ ...e, seq: i + 1 }));
    const got = await run(reordered, '1s');
    expect(got.reduce((a, b) => a + b.trades, 0)).toBe(events.length - 1);
    expect(got.reduce((a, b) => a + (b.lateTrades ?? 0), 0)).toBe(1);
    expect(got.some((b) => b.firstTradeId === late.tradeId || b.lastTradeId === late.tradeId)).toBe(false);
  });

  it('refuses a malformed interval when the operator is made', () => {
    expect(() => bars({ interval: '90x' })).toThrow(/bad bar interval/);
    expect(() => bars({ interval: '0s' })).toThrow(/bad bar interval/);
  });
});
