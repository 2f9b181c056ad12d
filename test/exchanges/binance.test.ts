import { describe, expect, it } from 'vitest';
import { binanceAdapter, binanceSpotBookRules as spot } from '../../src/exchanges/binance/index.js';
import { binanceFuturesAdapter, binanceFuturesBookRules as fut } from '../../src/exchanges/binance/futures.js';
import { parseWithSchemas } from '../../src/exchanges/binance/wire.js';
import type { DeltaMessage, StreamRef } from '../../src/exchanges/types.js';
import { TwError } from '../../src/errors.js';

const ctx = { bookDepth: 1000, instruments: new Map() };
/** Parsed, without the numeric form of the levels the scanner attaches (`codes`, see level-codes.ts). */
const parse = (frame: string, adapter = binanceAdapter) =>
  adapter.parse(frame, ctx).map((m) => {
    if (m.kind !== 'book') return m;
    const { codes: _c, codesFrame: _f, ...rest } = m;
    return rest;
  });
const wrap = (stream: string, data: unknown) => JSON.stringify({ stream, data });

describe('Binance endpoints and subscriptions', () => {
  it('builds the combined-stream URLs (spot /stream, futures /public/stream), overridable', () => {
    expect(binanceAdapter.wsUrl(binanceAdapter.defaultEndpoints)).toBe('wss://stream.binance.com:9443/stream');
    expect(binanceFuturesAdapter.wsUrl(binanceFuturesAdapter.defaultEndpoints)).toBe('wss://fstream.binance.com/public/stream');
    expect(binanceAdapter.wsUrl({ ws: 'ws://127.0.0.1:9443/', rest: 'http://127.0.0.1:9443' })).toBe('ws://127.0.0.1:9443/stream');
    expect(binanceAdapter.defaultEndpoints.rest).toBe('https://api.binance.com');
    expect(binanceFuturesAdapter.defaultEndpoints.rest).toBe('https://fapi.binance.com');
  });

  it('subscribes with SUBSCRIBE messages: ticker = bookTicker + 24 h ticker, depth@100ms, trade; lowercase; batched', () => {
    let id = 0;
    const refs: StreamRef[] = [
      { market: 'BTCUSDT', channel: 'ticker' },
      { market: 'BTCUSDT', channel: 'book' },
      { market: 'ETHUSDT', channel: 'trades' },
    ];
    expect(binanceAdapter.subscribe(refs, ctx, () => ++id).map((m) => JSON.parse(m) as unknown)).toEqual([
      { method: 'SUBSCRIBE', params: ['btcusdt@bookTicker', 'btcusdt@ticker', 'btcusdt@depth@100ms', 'ethusdt@trade'], id: 1 },
    ]);
    expect(JSON.parse(binanceAdapter.unsubscribe([refs[1]!], ctx, () => 7)[0]!)).toEqual({
      method: 'UNSUBSCRIBE',
      params: ['btcusdt@depth@100ms'],
      id: 7,
    });
    const many: StreamRef[] = Array.from({ length: 250 }, (_, i) => ({ market: `S${i}USDT`, channel: 'ticker' }));
    const msgs = binanceAdapter.subscribe(many, ctx, () => ++id).map((m) => JSON.parse(m) as { params: string[]; id: number });
    expect(msgs.map((m) => m.params.length)).toEqual([200, 200, 100]);
    expect(new Set(msgs.map((m) => m.id)).size).toBe(3);
    expect(binanceAdapter.limits.maxStreamsPerConnection * 2).toBeLessThanOrEqual(1024);
    expect(binanceAdapter.limits.controlMessagesPerSecond).toBeLessThanOrEqual(5);
  });

  it('maps unified symbols to markets', () => {
    expect(binanceAdapter.toMarket('BTC/USDT')).toBe('BTCUSDT');
    expect(binanceFuturesAdapter.toMarket('BTC/USDT')).toBe('BTCUSDT');
    expect(binanceFuturesAdapter.toMarket('BTC/USDT-250926')).toBe('BTCUSDT_250926');
  });
});

describe('Binance parse', () => {
  it('depthUpdate (spot and futures) → book delta with ids and µs time', () => {
    expect(
      parse(wrap('bnbbtc@depth@100ms', { e: 'depthUpdate', E: 1672515782136, s: 'BNBBTC', U: 157, u: 160, b: [['0.0024', '10']], a: [['0.0026', '100']] })),
    ).toEqual([
      { kind: 'book', market: 'BNBBTC', action: 'delta', exchangeTime: 1672515782136000, bids: [['0.0024', '10']], asks: [['0.0026', '100']], updateId: 160, firstUpdateId: 157 },
    ]);
    const f = JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E: 123456789, T: 123456788, s: 'BTCUSDT', U: 157, u: 160, pu: 149, b: [], a: [] } });
    expect(parse(f, binanceFuturesAdapter)).toEqual([
      { kind: 'book', market: 'BTCUSDT', action: 'delta', exchangeTime: 123456789000, bids: [], asks: [], updateId: 160, firstUpdateId: 157, prevUpdateId: 149 },
    ]);
  });

  it('bookTicker (spot has no e) and 24 h ticker → partial ticker fields', () => {
    expect(parse(wrap('bnbusdt@bookTicker', { u: 400900217, s: 'BNBUSDT', b: '25.35190000', B: '31.21000000', a: '25.36520000', A: '40.66000000' }))).toEqual([
      { kind: 'ticker', market: 'BNBUSDT', fields: { bidPrice: '25.35190000', bidSize: '31.21000000', askPrice: '25.36520000', askSize: '40.66000000', updateId: 400900217 } },
    ]);
    const t24 = '{"e":"24hrTicker","E":1672515782136,"s":"BNBBTC","p":"0.0015","P":"250.00","w":"0.0018","x":"0.0009","c":"0.0025","Q":"10","b":"0.0024","B":"10","a":"0.0026","A":"100","o":"0.0010","h":"0.0025","l":"0.0010","v":"10000","q":"18","O":0,"C":86400000,"F":0,"L":18150,"n":18151}';
    expect(parse(`{"stream":"bnbbtc@ticker","data":${t24}}`)).toEqual([
      {
        kind: 'ticker',
        market: 'BNBBTC',
        exchangeTime: 1672515782136000,
        // no bid/ask: the 1 s-old values would overwrite the real-time bookTicker in the merged ticker
        fields: { last: '0.0025', lastSize: '10', open24h: '0.0010', high24h: '0.0025', low24h: '0.0010', volume24h: '10000', quoteVolume24h: '18' },
      },
    ]);
  });

  it('trade: side is the taker side (m = buyer is maker → sell)', () => {
    const t = { e: 'trade', E: 1672515782136, s: 'BNBBTC', t: 12345, p: '0.001', q: '100', T: 1672515782135, m: true, M: true };
    expect(parse(wrap('bnbbtc@trade', t))).toEqual([
      { kind: 'trade', market: 'BNBBTC', exchangeTime: 1672515782135000, tradeId: '12345', price: '0.001', size: '100', side: 'sell' },
    ]);
    expect(parse(wrap('bnbbtc@trade', { ...t, m: false }))[0]).toMatchObject({ side: 'buy' });
  });

  it('acks, errors, serverShutdown and unknown kinds', () => {
    expect(parse('{"result":null,"id":1}')).toEqual([{ kind: 'ack', id: 1 }]);
    expect(parse('{"result":["btcusdt@trade"],"id":"3"}')).toEqual([{ kind: 'ack', id: '3' }]);
    expect(parse('{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":2}')).toEqual([
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'Binance error 2: Invalid request: invalid stream', id: 2 },
    ]);
    expect(parse('{"code":0,"msg":"Unknown property","id":5}')[0]).toMatchObject({ kind: 'error', id: 5 });
    expect(parse('{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}')[0]).toMatchObject({ kind: 'error' });
    expect(parse('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1770123456789}}')).toEqual([{ kind: 'reconnect', reason: 'serverShutdown' }]);
    expect(parse('{"e":"serverShutdown","E":1770123456789}')).toEqual([{ kind: 'reconnect', reason: 'serverShutdown' }]);
    expect(parse(wrap('btcusdt@kline_1m', { e: 'kline', E: 1, s: 'BTCUSDT', k: {} }))[0]).toMatchObject({ kind: 'unknown' });
    expect(parse('{"hello":"world"}')[0]).toMatchObject({ kind: 'unknown' });
    expect(parse('[1,2]')[0]).toMatchObject({ kind: 'unknown' });
    expect(parse('42')[0]).toMatchObject({ kind: 'unknown' });
    expect(parse('null')[0]).toMatchObject({ kind: 'unknown' });
  });

  it('invalid JSON throws (the caller counts TW_ERR_MALFORMED_FRAME)', () => {
    expect(() => parse('{"stream":"btcusdt@trade","data":{')).toThrow(SyntaxError);
    expect(() => parse('garbage')).toThrow();
  });

  it('wrong field types never crash: malformed hot frames are `malformed`, as the schema says', () => {
    const good = { e: 'depthUpdate', E: 1, s: 'BTCUSDT', U: 1, u: 2, b: [['1.0', '2']], a: [] };
    const bad: unknown[] = [
      { ...good, U: '1' },
      { ...good, u: 1.5 },
      { ...good, b: [['1.0', 2]] },
      { ...good, b: [['1.0']] },
      { ...good, b: [['1.0', '2', '3']] },
      { ...good, a: null },
      { ...good, b: [['1e5', '2']] },
      { ...good, b: [['-1', '2']] },
      { ...good, s: undefined },
      { e: 'trade', E: 1, s: 'X', t: 1, p: '1', q: '1', T: 1, m: 'true' },
      { e: 'trade', E: 1, s: 'X', t: 1, p: 1, q: '1', T: 1, m: true },
      { u: 1, s: 'X', b: '1', B: '1', a: '1.', A: '1' },
      { e: '24hrTicker', E: 1, s: 'X', c: 5 },
    ];
    const streams = ['btcusdt@depth@100ms', 'x@trade', 'x@bookTicker', 'x@ticker'];
    for (const data of bad) {
      for (const stream of streams) {
        const frame = wrap(stream, data);
        const hot = parse(frame);
        const oracle = parseWithSchemas(frame);
        expect(hot.length).toBe(1);
        expect(hot[0]!.kind).toBe(oracle[0]!.kind);
        if (hot[0]!.kind !== 'malformed' && hot[0]!.kind !== 'unknown') {
          expect(hot).toEqual(oracle);
        }
      }
    }
    expect(parse(wrap('btcusdt@depth@100ms', bad[0]))[0]).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(/^malformed depthUpdate/) });
  });
});

describe('Binance REST', () => {
  it('depth requests: spot limit up to 5000 with its weight; futures rounds up to an allowed limit', () => {
    expect(spot.snapshotRequest!('BTCUSDT', 1000)).toEqual({ path: '/api/v3/depth?symbol=BTCUSDT&limit=1000', weight: 50 });
    expect(spot.snapshotRequest!('BTCUSDT', 100)).toEqual({ path: '/api/v3/depth?symbol=BTCUSDT&limit=100', weight: 5 });
    expect(spot.snapshotRequest!('BTCUSDT', 9999).weight).toBe(250);
    expect(fut.snapshotRequest!('BTCUSDT', 1000)).toEqual({ path: '/fapi/v1/depth?symbol=BTCUSDT&limit=1000', weight: 20 });
    expect(fut.snapshotRequest!('BTCUSDT', 300).path).toBe('/fapi/v1/depth?symbol=BTCUSDT&limit=500');
    expect(fut.snapshotRequest!('BTCUSDT', 5000).path).toBe('/fapi/v1/depth?symbol=BTCUSDT&limit=1000');
    expect(binanceAdapter.instrumentsRequest().path).toBe('/api/v3/exchangeInfo');
    expect(binanceFuturesAdapter.instrumentsRequest().path).toBe('/fapi/v1/exchangeInfo');
  });

  it('parses depth bodies; an error body or garbage throws a TwError', () => {
    expect(spot.parseSnapshot!('{"lastUpdateId": 1027024, "bids": [["4.00000000", "431.00000000"]], "asks": [["4.00000200", "12.00000000"]]}')).toEqual({
      updateId: 1027024,
      bids: [['4.00000000', '431.00000000']],
      asks: [['4.00000200', '12.00000000']],
    });
    expect(fut.parseSnapshot!('{"lastUpdateId":5,"E":1626992741264,"T":1626992741261,"bids":[],"asks":[]}').exchangeTime).toBe(1626992741264000);
    const err = (() => {
      try {
        spot.parseSnapshot!('{"code": -1121, "msg": "Invalid symbol."}');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TwError);
    expect((err as TwError).code).toBe('TW_ERR_EXCHANGE_ERROR');
    expect(() => spot.parseSnapshot!('{"lastUpdateId":"x","bids":[],"asks":[]}')).toThrow(/malformed/);
  });

  it('parses exchangeInfo: unified symbols, trading status, precisions; futures delivery contracts get a suffix', () => {
    const filters = [
      { filterType: 'PRICE_FILTER', minPrice: '0.01000000', maxPrice: '1000000.00000000', tickSize: '0.01000000' },
      { filterType: 'LOT_SIZE', minQty: '0.00001000', maxQty: '9000.00000000', stepSize: '0.00001000' },
    ];
    const spotBody = JSON.stringify({
      timezone: 'UTC',
      symbols: [
        { symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT', filters },
        { symbol: 'LUNABUSD', status: 'BREAK', baseAsset: 'LUNA', quoteAsset: 'BUSD', filters: [] },
      ],
    });
    expect(binanceAdapter.parseInstruments(spotBody)).toEqual([
      {
        market: 'BTCUSDT',
        symbol: 'BTC/USDT',
        base: 'BTC',
        quote: 'USDT',
        trading: true,
        pricePrecision: 2,
        qtyPrecision: 5,
        status: 'TRADING',
        kind: 'spot',
        tickSize: '0.01000000',
        lotSize: '0.00001000',
        minSize: '0.00001000',
      },
      { market: 'LUNABUSD', symbol: 'LUNA/BUSD', base: 'LUNA', quote: 'BUSD', trading: false, status: 'BREAK', kind: 'spot' },
    ]);
    const futBody = JSON.stringify({
      symbols: [
        { symbol: 'BTCUSDT', status: 'TRADING', contractType: 'PERPETUAL', baseAsset: 'BTC', quoteAsset: 'USDT', filters: [{ filterType: 'PRICE_FILTER', tickSize: '0.10' }] },
        { symbol: 'BTCUSDT_250926', status: 'TRADING', contractType: 'CURRENT_QUARTER', baseAsset: 'BTC', quoteAsset: 'USDT', filters: [] },
      ],
    });
    expect(binanceFuturesAdapter.parseInstruments(futBody).map((i) => [i.market, i.symbol, i.pricePrecision])).toEqual([
      ['BTCUSDT', 'BTC/USDT', 1],
      ['BTCUSDT_250926', 'BTC/USDT-250926', undefined],
    ]);
  });
});

describe('Binance book rules', () => {
  const d = (U: number, u: number, pu?: number): DeltaMessage => ({
    kind: 'book',
    market: 'X',
    action: 'delta',
    bids: [],
    asks: [],
    firstUpdateId: U,
    updateId: u,
    ...(pu === undefined ? {} : { prevUpdateId: pu }),
  });

  it('spot (binance.md#spot-book-sync, corrected): drop u <= L, first U <= L+1 <= u, then gap when U > local + 1', () => {
    expect(spot.first(100, d(90, 100))).toBe('drop');
    expect(spot.first(100, d(95, 101))).toBe('apply');
    expect(spot.first(100, d(101, 105))).toBe('apply');
    expect(spot.first(100, d(102, 105))).toBe('gap');
    expect(spot.next(105, d(106, 110), d(101, 105))).toBe('apply');
    expect(spot.next(105, d(107, 110), d(101, 105))).toBe('gap');
    expect(spot.next(105, d(100, 104), d(101, 105))).toBe('drop');
    expect(spot.snapshotTooOld!(99, d(100, 105))).toBe(false); // L + 1 == U: fits
    expect(spot.snapshotTooOld!(98, d(100, 105))).toBe(true);
  });

  it('futures (binance.md#usd-m-futures): drop u < L, first U <= L <= u or pu == L, then pu == prev.u', () => {
    expect(fut.first(100, d(90, 99, 80))).toBe('drop');
    expect(fut.first(100, d(90, 100, 80))).toBe('apply'); // u == lastUpdateId is valid
    expect(fut.first(100, d(95, 120, 80))).toBe('apply');
    expect(fut.first(100, d(150, 160, 100))).toBe('apply'); // pu == lastUpdateId
    expect(fut.first(100, d(150, 160, 120))).toBe('gap');
    expect(fut.next(160, d(170, 180, 160), d(150, 160, 100))).toBe('apply'); // ids jump: fine
    expect(fut.next(160, d(161, 180, 155), d(150, 160, 100))).toBe('gap');
    expect(fut.snapshotTooOld!(99, d(150, 160, 100))).toBe(true);
    expect(fut.snapshotTooOld!(100, d(150, 160, 100))).toBe(false);
  });
});
