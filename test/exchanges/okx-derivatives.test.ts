/**
 * okx-swap derivative channels: OKX's documented push examples (fixtures/okx/doc-examples-derivatives.json; no public
 * capture of these channels exists) parsed into derivative and liquidation messages with OKX's strings untouched, and
 * the subscribe/unsubscribe args of the two channels.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { okxAdapter, okxSwapAdapter } from '../../src/exchanges/okx/index.js';
import type { AdapterContext, StreamRef } from '../../src/exchanges/types.js';

const DOC = JSON.parse(readFileSync(new URL('../../fixtures/okx/doc-examples-derivatives.json', import.meta.url), 'utf8')) as {
  frames: Record<string, { source: string; frame: string }>;
};
const frame = (name: string): string => DOC.frames[name]!.frame;
const ctx: AdapterContext = { bookDepth: 400, instruments: new Map() };
const parse = (name: string) => okxSwapAdapter.parse(frame(name), ctx);

describe('okx-swap derivative channels: the documented examples', () => {
  it('mark-price → markPrice', () => {
    expect(parse('markPrice')).toEqual([{ kind: 'derivative', market: 'LTC-USD-190628', exchangeTime: 1597026383085_000, fields: { markPrice: '0.1' } }]);
  });

  it('index-tickers: the index id BTC-USDT is the swap BTC-USDT-SWAP\'s → indexPrice', () => {
    expect(parse('indexTickers')).toEqual([{ kind: 'derivative', market: 'BTC-USDT-SWAP', exchangeTime: 1597026383085_000, fields: { indexPrice: '0.1' } }]);
  });

  it('funding-rate: fundingRate; nextFundingTime = fundingTime (the running period settles then); nextFundingRate "" → no predicted rate', () => {
    expect(parse('fundingRate')).toEqual([
      {
        kind: 'derivative',
        market: 'BTC-USD-SWAP',
        exchangeTime: 1700724675402_000,
        // ts 07:31:15 UTC; fundingTime 08:00 (the next settlement); the example's nextFundingTime 16:00 is the one after
        fields: { fundingRate: '0.0001875391284828', nextFundingTime: 1700726400000_000 },
      },
    ]);
  });

  it('open-interest: oi in contracts, oiUsd as the value (oiCcy not carried)', () => {
    expect(parse('openInterest')).toEqual([
      {
        kind: 'derivative',
        market: 'BTC-USDT-SWAP',
        exchangeTime: 1743041250440_000,
        fields: { openInterest: '2216113.01000000309', openInterestUnit: 'contracts', openInterestValue: '1939251795.54769270396321' },
      },
    ]);
  });

  it('liquidation-orders: each detail → a liquidation with the order side, bkPx, sz (contracts), its own ts', () => {
    expect(parse('liquidationOrders')).toEqual([
      { kind: 'liquidation', market: 'IOST-USDT-SWAP', exchangeTime: 1692266434010_000, side: 'buy', price: '0.007831', size: '13' },
    ]);
  });

  it('a subscribe error naming a mark-price stream is that market\'s derivative channel', () => {
    expect(parse('markPriceSubscribeError')).toMatchObject([
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', market: 'LTC-USD-190628', channel: 'derivative', id: '1512' },
    ]);
  });

  it('an unknown index (60018 on index-tickers) is charged to the swap', () => {
    const err =
      '{"id":"7","event":"error","code":"60018","msg":"Wrong URL or channel:index-tickers,instId:NOPE-USDT doesn\'t exist. Please use the correct URL, channel and parameters referring to API document.","connId":"a"}';
    expect(okxSwapAdapter.parse(err, ctx)).toMatchObject([{ kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', market: 'NOPE-USDT-SWAP', channel: 'derivative' }]);
  });

  it('a value that is not a decimal is malformed, not passed on', () => {
    const bad = frame('markPrice').replace('"markPx":"0.1"', '"markPx":"1e-1"');
    expect(okxSwapAdapter.parse(bad, ctx)).toMatchObject([{ kind: 'malformed' }]);
  });
});

describe('okx-swap derivative channels: subscribe args', () => {
  const streams: StreamRef[] = [
    { market: 'BTC-USDT-SWAP', channel: 'derivative' },
    { market: 'BTC-USDT-SWAP', channel: 'liquidations' },
    { market: 'ETH-USD-SWAP', channel: 'liquidations' },
  ];
  const args = (msgs: string[]) => msgs.flatMap((m) => (JSON.parse(m) as { args: unknown[] }).args);

  it('derivative = mark-price, index-tickers (by index), funding-rate, open-interest; liquidation-orders once for every swap', () => {
    expect(args(okxSwapAdapter.subscribe(streams, ctx, () => 1))).toEqual([
      { channel: 'mark-price', instId: 'BTC-USDT-SWAP' },
      { channel: 'index-tickers', instId: 'BTC-USDT' },
      { channel: 'funding-rate', instId: 'BTC-USDT-SWAP' },
      { channel: 'open-interest', instId: 'BTC-USDT-SWAP' },
      { channel: 'liquidation-orders', instType: 'SWAP' },
    ]);
  });

  it('liquidation-orders is never unsubscribed (other markets on the connection may still want it)', () => {
    expect(args(okxSwapAdapter.unsubscribe(streams, ctx, () => 1))).not.toContainEqual({ channel: 'liquidation-orders', instType: 'SWAP' });
    expect(okxSwapAdapter.unsubscribe(streams.slice(1), ctx, () => 1)).toEqual([]);
  });

  it('offered on swaps only', () => {
    expect(okxSwapAdapter.channels).toEqual(expect.arrayContaining(['derivative', 'liquidations']));
    expect(okxAdapter.channels ?? []).not.toContain('derivative');
  });
});
