/**
 * Binance USD-M (`binance-futures`) channels `derivative` and `liquidations` end to end against the simulator. Binance
 * serves `@markPrice@1s`/`@forceOrder` only on the WebSocket `/market` path (the simulator acknowledges them on
 * `/public` and stays silent, as Binance does): tickwire runs a companion runtime on `/market/stream` next to the
 * `/public/stream` one (docs/protocols/binance.md#derivative-data). Proven here: mark/index/funding equal a
 * published frame, open interest (base asset) a value served over REST `/fapi/v1/openInterest`, liquidations exactly
 * the published list; books on the same symbols equal the simulator's true book; the two paths share one REST weight
 * budget; a close of the `/market` connection reconnects it without touching the books.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MarketEvent, type DerivativeTickerEvent, type LiquidationEvent } from '../../src/schema/events.js';
import { binanceFuturesAdapter } from '../../src/exchanges/binance/futures.js';
import { expectBookEqualsTruth, isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const EX = 'binance-futures';
const derivs = (h: Harness, symbol: string, from = 0) =>
  h.events.slice(from).filter((e): e is DerivativeTickerEvent => e.type === 'derivative_ticker' && e.symbol === symbol);
const liqs = (h: Harness, symbol: string, from = 0) =>
  h.events.slice(from).filter((e): e is LiquidationEvent => e.type === 'liquidation' && e.symbol === symbol);
const view = (l: { side: string; price: string; size: string }, time: number) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: time });

/** Every event of `got` is a published liquidation, in the published order (those sent while closed are missing). */
function expectSubsequence(got: ReturnType<typeof view>[], want: ReturnType<typeof view>[]): void {
  let i = 0;
  for (const l of got) {
    while (i < want.length && JSON.stringify(want[i]) !== JSON.stringify(l)) i++;
    expect(i < want.length, JSON.stringify(l)).toBe(true);
    i++;
  }
}

describe('binance-futures derivative + liquidations via /market/stream', () => {
  it('values equal the published truth, open interest from REST in the base asset; books on /public equal the true book', async () => {
    h = await startHarness({
      exchanges: [EX],
      markets: [`${EX}:BTC/USDT`, `${EX}:ETH/USDT`],
      sim: { symbols: ['BTC/USDT', 'ETH/USDT'], markPriceIntervalMs: 20, fundingPeriodMs: 1000 },
      config: { channels: ['book', 'derivative', 'liquidations'], openInterestIntervalMs: 100 },
      // the server's used-weight header not read: `restUsedWeight` is then the scheduler's own ledger of what it sent
      deps: () => ({ adapters: { [EX]: { ...binanceFuturesAdapter, limits: { ...binanceFuturesAdapter.limits, restUsedWeightHeader: undefined } } } }),
    });
    const hh = h;
    await hh.waitFor(
      () =>
        liqs(hh, 'BTC/USDT').length >= 3 &&
        new Set(derivs(hh, 'BTC/USDT').map((d) => d.nextFundingTime)).size >= 3 &&
        new Set(derivs(hh, 'BTC/USDT').map((d) => d.openInterest).filter(Boolean)).size >= 2,
      'three liquidations, three funding periods, two open interest figures',
      30_000,
    );
    for (const e of hh.events) expect(() => MarketEvent.parse(e)).not.toThrow();
    // no channel refused, nothing wrong
    expect(hh.events.filter((e) => e.type === 'status' && (e.state === 'error' || e.state === 'no_data'))).toEqual([]);
    for (const symbol of ['BTC/USDT', 'ETH/USDT']) {
      const published = hh.sim.published(EX, symbol);
      const marks = published.derivatives.map((d) => ({ markPrice: d.markPrice, indexPrice: d.indexPrice, fundingRate: d.fundingRate, nextFundingTime: d.nextFundingTime * 1000 }));
      const ois = new Set(published.derivatives.map((d) => d.openInterest));
      const times = new Set(published.derivatives.map((d) => d.time * 1000));
      let fromMark = 0;
      let withOi = 0;
      for (const e of derivs(hh, symbol)) {
        expect(e.exchange).toBe(EX);
        expect(e.market).toBe(symbol.replace('/', ''));
        expect(e.predictedFundingRate).toBeUndefined();
        if (e.openInterest !== undefined) {
          withOi++;
          expect(ois.has(e.openInterest), `open interest ${e.openInterest} was served`).toBe(true);
          expect(e.openInterestUnit).toBe('base');
        }
        if (e.markPrice !== undefined) {
          expect(marks).toContainEqual({ markPrice: e.markPrice, indexPrice: e.indexPrice, fundingRate: e.fundingRate, nextFundingTime: e.nextFundingTime });
        }
        if (times.has(e.exchangeTime!)) fromMark++;
      }
      expect(fromMark, symbol).toBeGreaterThan(5);
      expect(withOi, symbol).toBeGreaterThan(0);
      const got = liqs(hh, symbol).map((l) => view(l, l.exchangeTime!));
      const want = published.liquidations.map((l) => view(l, l.time * 1000));
      expect(got).toEqual(want.slice(0, got.length));
    }
    // the books on /public are the simulator's truth while /market runs beside them
    await expectBookEqualsTruth(hh, EX, 'BTC/USDT');
    await expectBookEqualsTruth(hh, EX, 'ETH/USDT');
    // two connections under one exchange id, one per path; open interest polled over REST, counted in one budget
    const conns = hh.hub.connections();
    expect(conns.every((c) => c.exchange === EX && c.open)).toBe(true);
    const onMarket = conns.filter((c) => c.id.startsWith(`${EX}#market-`));
    expect(onMarket.length).toBeGreaterThan(0);
    expect(onMarket.reduce((n, c) => n + c.markets, 0)).toBe(2);
    expect(conns.filter((c) => /#\d+$/.test(c.id)).reduce((n, c) => n + c.markets, 0)).toBe(2);
    expect(new Set(conns.map((c) => c.id)).size).toBe(conns.length);
    expect(Object.keys(hh.hub.restUsedWeight())).toEqual([EX]);
    const rest = hh.sim.entries(EX).filter((e) => e.kind === 'rest');
    expect(rest.filter((e) => e.data?.startsWith('/fapi/v1/openInterest')).length).toBeGreaterThan(2);
    // one budget for both paths: tickwire's ledger holds at least the weight the server counted (the server counts
    // a request when it arrives, the ledger when it is sent; the companion's requests are in it)
    const serverCount = Math.max(...rest.map((e) => Number(e.headers?.['X-MBX-USED-WEIGHT-1M'] ?? 0)));
    expect(serverCount).toBeGreaterThan(0);
    expect(hh.hub.restUsedWeight()[EX]).toBeGreaterThanOrEqual(serverCount);
    expect(hh.hub.books().map((b) => b.symbol).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(hh.hub.streamCount()).toBe(6);
    // remove routes per channel: derivative off (companion), book stays (main)
    hh.hub.remove(EX, 'ETH/USDT', ['derivative', 'liquidations']);
    expect(hh.hub.streamCount()).toBe(4);
    expect(hh.hub.connections().filter((c) => c.id.startsWith(`${EX}#market-`)).reduce((n, c) => n + c.markets, 0)).toBe(1);
    expect(hh.hub.books().map((b) => b.symbol).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
  }, 45_000);

  it('a close of the /market connection reconnects it and its channels flow again; the books are not touched', async () => {
    h = await startHarness({
      exchanges: [EX],
      markets: [`${EX}:BTC/USDT`],
      sim: { symbols: ['BTC/USDT', 'ETH/USDT'], markPriceIntervalMs: 20, fundingPeriodMs: 1000 },
      config: { channels: ['book', 'derivative', 'liquidations'], openInterestIntervalMs: 200 },
    });
    const hh = h;
    // an unknown symbol is refused on every channel, both paths'
    expect(await hh.hub.add(EX, 'NOPE/USDT', ['book', 'derivative', 'liquidations'])).toBe(false);
    expect(await hh.hub.add(EX, 'NOPE/USDT', ['derivative'])).toBe(false);
    const refused = hh.events.filter((e) => e.type === 'status' && e.symbol === 'NOPE/USDT' && e.code === 'TW_ERR_UNKNOWN_SYMBOL');
    expect(refused.map((e) => (e.type === 'status' ? e.channel : '')).sort()).toEqual(['book', 'derivative', 'derivative', 'liquidations']);
    // ETH/USDT only on /market: a close fault for it closes that connection and not the /public one
    expect(await hh.hub.add(EX, 'ETH/USDT', ['derivative', 'liquidations'])).toBe(true);
    await hh.waitFor(() => derivs(hh, 'ETH/USDT').length > 0 && derivs(hh, 'BTC/USDT').length > 0, 'derivative data on both');
    await expectBookEqualsTruth(hh, EX, 'BTC/USDT');
    const before = hh.events.length;
    hh.sim.fault(EX, { kind: 'close', symbol: 'ETH/USDT', code: 1001, reason: 'going away' });
    const rec = await hh.waitFor(isStatus({ exchange: EX, scope: 'connection', state: 'reconnecting' }), 'the /market connection reconnecting');
    expect(rec.connectionId).toMatch(/^binance-futures#market-\d+$/);
    const mainIds = hh.hub.connections().filter((c) => /#\d+$/.test(c.id)).map((c) => c.id);
    const from = hh.events.length;
    await hh.waitFor(
      () => derivs(hh, 'BTC/USDT', from).length >= 8 && derivs(hh, 'ETH/USDT', from).length >= 8 && liqs(hh, 'BTC/USDT', from).length >= 1,
      'derivatives and liquidations after the reconnect',
      20_000,
    );
    // the /public connection and its book never noticed: no status of it, no snapshot, deltas chained throughout
    const after = hh.events.slice(before);
    expect(after.filter((e) => e.type === 'status' && (e.channel === 'book' || (e.scope === 'connection' && mainIds.includes(e.connectionId ?? ''))))).toEqual([]);
    expect(after.filter((e) => e.type === 'book_snapshot')).toEqual([]);
    await expectBookEqualsTruth(hh, EX, 'BTC/USDT');
    for (const symbol of ['BTC/USDT', 'ETH/USDT']) {
      const published = hh.sim.published(EX, symbol);
      // a polled open interest merges into the last mark frame (with the poll's time): compare the mark fields
      const marks = new Set(published.derivatives.map((d) => `${d.markPrice} ${d.indexPrice} ${d.fundingRate} ${d.nextFundingTime * 1000}`));
      const after = derivs(hh, symbol, from).filter((e) => e.markPrice !== undefined);
      expect(after.length).toBeGreaterThan(0);
      for (const e of after) {
        const key = `${e.markPrice} ${e.indexPrice} ${e.fundingRate} ${e.nextFundingTime}`;
        expect(marks.has(key), key).toBe(true);
      }
      expectSubsequence(
        liqs(hh, symbol).map((l) => view(l, l.exchangeTime!)),
        published.liquidations.map((l) => view(l, l.time * 1000)),
      );
    }
  }, 45_000);
});
