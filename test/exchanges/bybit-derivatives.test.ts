/**
 * Bybit linear derivative data: the real `tickers` frames of fixtures/bybit/wsTicker.jsonl and the documented
 * `allLiquidation` example, parsed into derivative and liquidation messages with the exchange's strings untouched.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bybitAdapter, bybitLinearAdapter } from '../../src/exchanges/bybit/index.js';
import type { AdapterContext } from '../../src/exchanges/types.js';

const ctx: AdapterContext = { bookDepth: 200, instruments: new Map() };
const frames = readFileSync(new URL('../../fixtures/bybit/wsTicker.jsonl', import.meta.url), 'utf8').trim().split('\n');

// https://bybit-exchange.github.io/docs/v5/websocket/public/all-liquidation (response example)
const DOC_ALL_LIQUIDATION =
  '{"topic":"allLiquidation.ROSEUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,"s":"ROSEUSDT","S":"Sell","v":"20000","p":"0.04499"}]}';

describe('bybit-linear derivative and liquidations', () => {
  it('the real linear tickers snapshot gives mark/index/funding/next funding/open interest, nothing invented', () => {
    const out = bybitLinearAdapter.parse(frames[2]!, ctx);
    expect(out.filter((m) => m.kind === 'derivative')).toEqual([
      {
        kind: 'derivative',
        market: 'BTCUSDT',
        exchangeTime: 1715748762463_000,
        fields: {
          markPrice: '61875.25',
          indexPrice: '61903.73',
          fundingRate: '0.00008055',
          nextFundingTime: 1715760000000_000,
          openInterest: '58117.022',
          openInterestUnit: 'base',
          openInterestValue: '3596005265.51',
        },
      },
    ]);
  });

  it('a real delta carries only the fields it changed; a delta without any gives no derivative message', () => {
    expect(bybitLinearAdapter.parse(frames[3]!, ctx).filter((m) => m.kind === 'derivative')).toEqual([
      {
        kind: 'derivative',
        market: 'BTCUSDT',
        exchangeTime: 1715748763063_000,
        fields: { markPrice: '61875.06', indexPrice: '61903.59', openInterestValue: '3595994223.27' },
      },
    ]);
    // BTCPERP delta: only bid fields
    expect(bybitLinearAdapter.parse(frames[5]!, ctx).map((m) => m.kind)).toEqual(['ticker']);
  });

  it('spot tickers never give derivative data, and spot does not offer the channels', () => {
    expect(bybitAdapter.parse(frames[0]!, ctx).map((m) => m.kind)).toEqual(['ticker']);
    expect(bybitAdapter.channels ?? ['ticker', 'book', 'trades']).not.toContain('derivative');
    expect(bybitLinearAdapter.channels).toEqual(['ticker', 'book', 'trades', 'derivative', 'liquidations']);
  });

  it('allLiquidation (documented example): S is the liquidated position, the order side is the opposite', () => {
    expect(bybitLinearAdapter.parse(DOC_ALL_LIQUIDATION, ctx)).toEqual([
      { kind: 'liquidation', market: 'ROSEUSDT', exchangeTime: 1739502302929_000, side: 'buy', price: '0.04499', size: '20000' },
    ]);
    const bad = DOC_ALL_LIQUIDATION.replace('"Sell"', '"Short"');
    expect(bybitLinearAdapter.parse(bad, ctx)).toEqual([{ kind: 'malformed', reason: 'malformed allLiquidation frame' }]);
  });

  it('subscribes tickers.X for derivative and allLiquidation.X for liquidations', () => {
    let n = 0;
    const msgs = bybitLinearAdapter.subscribe(
      [
        { market: 'BTCUSDT', channel: 'derivative' },
        { market: 'BTCUSDT', channel: 'liquidations' },
      ],
      ctx,
      () => ++n,
    );
    expect(msgs.map((m) => (JSON.parse(m) as { args: string[] }).args)).toEqual([['tickers.BTCUSDT', 'allLiquidation.BTCUSDT']]);
  });
});
