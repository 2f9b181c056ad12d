/**
 * Binance COIN-M (`binance-delivery`) and the Binance derivative frames, on Binance's documented examples (no public
 * capture has COIN-M, mark price or liquidation frames; each example is quoted from the page named above it):
 * parsed with every decimal string untouched, units named, and nothing invented. The hot path equals the zod
 * schemas (the oracle) on each.
 */
import { describe, expect, it } from 'vitest';
import { binanceDeliveryAdapter } from '../../src/exchanges/binance/delivery.js';
import { binanceFuturesAdapter } from '../../src/exchanges/binance/futures.js';
import { parseWithSchemas } from '../../src/exchanges/binance/wire.js';
import type { AdapterContext } from '../../src/exchanges/types.js';

const ctx: AdapterContext = { bookDepth: 1000, instruments: new Map() };
const wrap = (stream: string, data: string) => `{"stream":"${stream}","data":${data}}`;
const parse = (frame: string) => {
  const out = binanceDeliveryAdapter.parse(frame, ctx);
  expect(out).toEqual(parseWithSchemas(frame)); // hot path = oracle
  return out;
};

// https://developers.binance.com/docs/derivatives/coin-margined-futures/websocket-market-streams/Diff-Book-Depth-Streams
const DOC_DEPTH =
  '{"e":"depthUpdate","E":1591270260907,"T":1591270260891,"s":"BTCUSD_200626","ps":"BTCUSD","U":17285681,"u":17285702,"pu":17285675,"b":[["9517.6","10"]],"a":[["9518.5","45"]]}';
// https://developers.binance.com/docs/derivatives/coin-margined-futures/websocket-market-streams/Mark-Price-Stream
const DOC_MARK_DELIVERY =
  '{"e":"markPriceUpdate","E":1596095725000,"s":"BTCUSD_201225","p":"10934.62615417","P":"10962.17178236","i":"10933.62615417","r":"","T":0}';
// https://developers.binance.com/docs/derivatives/coin-margined-futures/websocket-market-streams/Mark-Price-of-All-Symbols-of-a-Pair (its perpetual)
const DOC_MARK_PERP =
  '{"e":"markPriceUpdate","E":1596095725000,"s":"BTCUSD_PERP","p":"11012.31359011","P":"10962.17178236","i":"10933.62615417","r":"0.00000000","T":1596096000000}';
// https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Mark-Price-Stream
const DOC_MARK_USDM =
  '{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}';
// https://developers.binance.com/docs/derivatives/coin-margined-futures/websocket-market-streams/Liquidation-Order-Streams
// (the page's example has a trailing comma after "T", which is not JSON: removed here)
const DOC_FORCE_ORDER =
  '{"e":"forceOrder","E":1591154240950,"o":{"s":"BTCUSD_200925","ps":"BTCUSD","S":"SELL","o":"LIMIT","f":"IOC","q":"1","p":"9425.5","ap":"9496.5","X":"FILLED","l":"1","z":"1","T":1591154240949}}';
// https://developers.binance.com/docs/derivatives/usds-margined-futures/websocket-market-streams/Liquidation-Order-Streams
const DOC_FORCE_ORDER_USDM =
  '{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}';

describe('binance-delivery (COIN-M) frames', () => {
  it('diff depth (documented example, with `ps`): a chained delta, by the scanner and the schemas alike', () => {
    expect(parse(wrap('btcusd_200626@depth@100ms', DOC_DEPTH))).toEqual([
      {
        kind: 'book',
        market: 'BTCUSD_200626',
        action: 'delta',
        exchangeTime: 1591270260907_000,
        bids: [['9517.6', '10']],
        asks: [['9518.5', '45']],
        updateId: 17285702,
        firstUpdateId: 17285681,
        prevUpdateId: 17285675,
      },
    ]);
  });

  it('mark price of a delivery contract: no funding (`r` "" and `T` 0) → absent; `P` is not a predicted funding rate', () => {
    expect(parse(wrap('btcusd_201225@markPrice@1s', DOC_MARK_DELIVERY))).toEqual([
      { kind: 'derivative', market: 'BTCUSD_201225', exchangeTime: 1596095725000_000, fields: { markPrice: '10934.62615417', indexPrice: '10933.62615417' } },
    ]);
  });

  it('mark price of a perpetual: rate and next funding time (µs), strings untouched', () => {
    expect(parse(wrap('btcusd_perp@markPrice@1s', DOC_MARK_PERP))).toEqual([
      {
        kind: 'derivative',
        market: 'BTCUSD_PERP',
        exchangeTime: 1596095725000_000,
        fields: { markPrice: '11012.31359011', indexPrice: '10933.62615417', fundingRate: '0.00000000', nextFundingTime: 1596096000000_000 },
      },
    ]);
  });

  it('forceOrder: `S` is the liquidation order side (SELL: a long was liquidated); size in contracts', () => {
    expect(parse(wrap('btcusd_200925@forceOrder', DOC_FORCE_ORDER))).toEqual([
      { kind: 'liquidation', market: 'BTCUSD_200925', exchangeTime: 1591154240949_000, side: 'sell', price: '9425.5', size: '1' },
    ]);
  });

  it('aggTrade → trade with the aggregate id; `m` true means the taker sold', () => {
    const f = '{"e":"aggTrade","E":1591154240950,"a":5933014,"s":"BTCUSD_PERP","p":"9425.5","q":"3","f":100,"l":105,"T":1591154240949,"m":true}';
    expect(parse(wrap('btcusd_perp@aggTrade', f))).toEqual([
      { kind: 'trade', market: 'BTCUSD_PERP', exchangeTime: 1591154240949_000, tradeId: '5933014', price: '9425.5', size: '3', side: 'sell' },
    ]);
  });

  it('open interest (REST /dapi/v1/openInterest): contracts', () => {
    const body = '{"symbol":"BTCUSD_PERP","pair":"BTCUSD","openInterest":"517655","contractType":"PERPETUAL","time":1591261042378}';
    expect(binanceDeliveryAdapter.pollRequest!('BTCUSD_PERP')).toEqual({ path: '/dapi/v1/openInterest?symbol=BTCUSD_PERP', weight: 1 });
    expect(binanceDeliveryAdapter.parsePoll!(body)).toEqual([
      { kind: 'derivative', market: 'BTCUSD_PERP', exchangeTime: 1591261042378_000, fields: { openInterest: '517655', openInterestUnit: 'contracts' } },
    ]);
    expect(() => binanceDeliveryAdapter.parsePoll!('{"code":-1121,"msg":"Invalid symbol."}')).toThrow(/-1121/);
    expect(() => binanceDeliveryAdapter.parsePoll!('{"symbol":"BTCUSD_PERP","openInterest":517655,"time":1}')).toThrow(/malformed/);
  });

  it('subscribes @depth@100ms, @bookTicker + @ticker, @aggTrade, @markPrice@1s and @forceOrder on /stream', () => {
    const channels = binanceDeliveryAdapter.channels!;
    expect(channels).toEqual(['ticker', 'book', 'trades', 'derivative', 'liquidations']);
    const [msg] = binanceDeliveryAdapter.subscribe(channels.map((channel) => ({ market: 'BTCUSD_PERP', channel })), ctx, () => 1);
    expect(JSON.parse(msg!)).toEqual({
      method: 'SUBSCRIBE',
      params: ['btcusd_perp@bookTicker', 'btcusd_perp@ticker', 'btcusd_perp@depth@100ms', 'btcusd_perp@aggTrade', 'btcusd_perp@markPrice@1s', 'btcusd_perp@forceOrder'],
      id: 1,
    });
    expect(binanceDeliveryAdapter.wsUrl(binanceDeliveryAdapter.defaultEndpoints)).toBe('wss://dstream.binance.com/stream');
    expect(binanceDeliveryAdapter.book.snapshotRequest!('BTCUSD_PERP', 1000)).toEqual({ path: '/dapi/v1/depth?symbol=BTCUSD_PERP&limit=1000', weight: 20 });
  });

  it('unified symbols and native ids: BTC/USD ↔ BTCUSD_PERP, BTC/USD-250627 ↔ BTCUSD_250627', () => {
    expect(binanceDeliveryAdapter.toMarket('BTC/USD')).toBe('BTCUSD_PERP');
    expect(binanceDeliveryAdapter.toMarket('btc/usd-250627')).toBe('BTCUSD_250627');
    const info = JSON.stringify({
      symbols: [
        { symbol: 'BTCUSD_PERP', pair: 'BTCUSD', contractType: 'PERPETUAL', deliveryDate: 4133404800000, contractStatus: 'TRADING', contractSize: 100, marginAsset: 'BTC', baseAsset: 'BTC', quoteAsset: 'USD', filters: [{ filterType: 'PRICE_FILTER', tickSize: '0.1' }, { filterType: 'LOT_SIZE', stepSize: '1', minQty: '1' }] },
        { symbol: 'BTCUSD_250627', pair: 'BTCUSD', contractType: 'CURRENT_QUARTER', deliveryDate: 1751011200000, contractStatus: 'DELIVERING', contractSize: 100, marginAsset: 'BTC', baseAsset: 'BTC', quoteAsset: 'USD', filters: [] },
      ],
    });
    expect(binanceDeliveryAdapter.parseInstruments(info)).toEqual([
      { market: 'BTCUSD_PERP', symbol: 'BTC/USD', base: 'BTC', quote: 'USD', trading: true, pricePrecision: 1, qtyPrecision: 0, status: 'TRADING', contractValue: '100', contractValueCurrency: 'USD', sizeUnit: 'contracts', kind: 'perpetual', settle: 'BTC', tickSize: '0.1', lotSize: '1', minSize: '1' },
      { market: 'BTCUSD_250627', symbol: 'BTC/USD-250627', base: 'BTC', quote: 'USD', trading: false, status: 'DELIVERING', contractValue: '100', contractValueCurrency: 'USD', sizeUnit: 'contracts', kind: 'future', settle: 'BTC', expiry: 1751011200000_000 },
    ]);
  });
});

describe('binance-futures (USD-M) derivative frames', () => {
  it('the documented mark price and liquidation examples parse; the channels are served by the `/market` companion', () => {
    expect(binanceFuturesAdapter.parse(wrap('btcusdt@markPrice@1s', DOC_MARK_USDM), ctx)).toEqual([
      {
        kind: 'derivative',
        market: 'BTCUSDT',
        exchangeTime: 1562305380000_000,
        fields: { markPrice: '11794.15000000', indexPrice: '11784.62659091', fundingRate: '0.00038167', nextFundingTime: 1562306400000_000 },
      },
    ]);
    expect(binanceFuturesAdapter.parse(wrap('btcusdt@forceOrder', DOC_FORCE_ORDER_USDM), ctx)).toEqual([
      { kind: 'liquidation', market: 'BTCUSDT', exchangeTime: 1568014460893_000, side: 'sell', price: '9910', size: '0.014' },
    ]);
    expect(binanceFuturesAdapter.channels).toBeUndefined(); // ticker, book, trades on `/public`
    const market = binanceFuturesAdapter.companion!;
    expect(market.channels).toEqual(['derivative', 'liquidations']);
    expect(market.adapter.id).toBe('binance-futures');
    expect(market.adapter.wsUrl({ ws: 'wss://fstream.binance.com', rest: '' })).toBe('wss://fstream.binance.com/market/stream');
    expect(binanceFuturesAdapter.wsUrl({ ws: 'wss://fstream.binance.com', rest: '' })).toBe('wss://fstream.binance.com/public/stream');
    expect(binanceFuturesAdapter.pollRequest).toBeUndefined(); // open interest is polled for the companion's markets
    // https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Open-Interest (response example)
    expect(market.adapter.pollRequest!('BTCUSDT')).toEqual({ path: '/fapi/v1/openInterest?symbol=BTCUSDT', weight: 1 });
    expect(market.adapter.parsePoll!('{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011}')).toEqual([
      { kind: 'derivative', market: 'BTCUSDT', exchangeTime: 1589437530011_000, fields: { openInterest: '10659.509', openInterestUnit: 'base' } },
    ]);
  });
});
