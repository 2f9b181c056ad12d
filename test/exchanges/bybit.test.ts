import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bybitAdapter, bybitLinearAdapter } from '../../src/exchanges/bybit/index.js';
import { bookDepthFor } from '../../src/exchanges/bybit/topics.js';
import { BookFrame, TickerFrame, TradeFrame } from '../../src/exchanges/bybit/wire.js';
import type { AdapterContext, StreamRef, WireMessage } from '../../src/exchanges/types.js';

const ctx = (bookDepth = 200): AdapterContext => ({ bookDepth, instruments: new Map() });
const counter = (): (() => number) => {
  let n = 0;
  return () => ++n;
};
const fixture = (name: string): string[] =>
  readFileSync(new URL(`../../fixtures/bybit/${name}`, import.meta.url), 'utf8').trim().split('\n');

// Frames quoted in docs/protocols/bybit.md (official docs examples and [LIVE] captures).
const DOC_BOOK_SNAPSHOT =
  '{"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1672304484978,"data":{"s":"BTCUSDT","b":[["16493.50","0.006"],["16493.00","0.100"]],"a":[["16611.00","0.029"],["16612.00","0.213"]],"u":18521288,"seq":7961638724},"cts":1672304484976}';
const DOC_BOOK_DELTA =
  '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1687940967466,"data":{"s":"BTCUSDT","b":[["30247.20","30.028"],["30240.00","0"]],"a":[["30248.70","0"],["30249.30","0.892"]],"u":177400507,"seq":66544703342},"cts":1687940967464}';
const DOC_TRADE =
  '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[{"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick","i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false,"seq":1783284617}]}';
const SPOT_PONG = '{"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","op":"ping"}';
const LINEAR_PONG = '{"success":true,"ret_msg":"pong","conn_id":"465772b1-7630-4fdc-a492-e003e6f0f260","req_id":"","op":"ping"}';
const OPTION_PONG = '{"args":["1672916271846"],"op":"pong"}';
const SPOT_ACK = '{"success":true,"ret_msg":"subscribe","conn_id":"2324d924-aa4d-45b0-a858-7b8be29ab52b","req_id":"10001","op":"subscribe"}';
const LINEAR_ACK = '{"success":true,"ret_msg":"","conn_id":"3cd84cb1-4d06-4a05-930a-2efe5fc70f0f","req_id":"","op":"subscribe"}';
const INVALID_SYMBOL = '{"success":false,"ret_msg":"Invalid symbol :[tickers.NOPEUSDT]","conn_id":"x","req_id":"7","op":"subscribe"}';
const HANDLER_NOT_FOUND =
  '{"success":false,"ret_msg":"error:handler not found,topic:publicTrade.NOTASYMBOL","conn_id":"x","req_id":"","op":"subscribe"}';
const ARGS_TOO_MANY = '{"success":false,"ret_msg":"args size >10","conn_id":"x","req_id":"3","op":"subscribe"}';

describe('bybit adapters: urls, keepalive', () => {
  it('connect to /v5/public/{spot,linear} on the given origin', () => {
    expect(bybitAdapter.wsUrl(bybitAdapter.defaultEndpoints)).toBe('wss://stream.bybit.com/v5/public/spot');
    expect(bybitLinearAdapter.wsUrl({ ws: 'ws://127.0.0.1:1234/', rest: '' })).toBe('ws://127.0.0.1:1234/v5/public/linear');
    expect(bybitAdapter.id).toBe('bybit');
    expect(bybitLinearAdapter.id).toBe('bybit-linear');
  });

  it('sends a text {"op":"ping"} every 20 s and parses every pong shape to pong', () => {
    const ping = bybitAdapter.keepalive.ping;
    expect(ping?.kind).toBe('text');
    expect(ping?.intervalMs).toBe(20_000);
    if (ping?.kind === 'text') expect(JSON.parse(ping.message(1))).toEqual({ op: 'ping' });
    for (const f of [SPOT_PONG, LINEAR_PONG, OPTION_PONG]) expect(bybitLinearAdapter.parse(f, ctx())).toEqual([{ kind: 'pong' }]);
  });
});

describe('bybit subscribe', () => {
  it('maps the requested book depth to the smallest offered depth at least as deep', () => {
    expect([1, 2, 10, 50, 51, 200, 201, 500, 1000, 5000].map(bookDepthFor)).toEqual([
      1, 50, 50, 50, 200, 200, 1000, 1000, 1000, 1000,
    ]);
    // unset (the pipeline passes 0) → 200
    expect(bookDepthFor(0)).toBe(200);
  });

  it('spot: at most 10 args per request, a ticker is tickers + orderbook.1, ids from nextId', () => {
    const markets = ['BTCUSDT', 'ETHUSDT', 'XRPUSDT', 'SOLUSDT'];
    const streams: StreamRef[] = markets.flatMap((market) => [
      { market, channel: 'book' as const },
      { market, channel: 'ticker' as const },
      { market, channel: 'trades' as const },
    ]);
    const msgs = bybitAdapter.subscribe(streams, ctx(50), counter()).map((m) => JSON.parse(m) as { req_id: string; op: string; args: string[] });
    expect(msgs.map((m) => m.req_id)).toEqual(['1', '2']);
    expect(msgs.every((m) => m.op === 'subscribe' && m.args.length <= 10)).toBe(true);
    const all = msgs.flatMap((m) => m.args);
    expect(all).toHaveLength(16);
    expect(new Set(all).size).toBe(16);
    expect(all.slice(0, 4)).toEqual(['orderbook.50.BTCUSDT', 'tickers.BTCUSDT', 'orderbook.1.BTCUSDT', 'publicTrade.BTCUSDT']);
  });

  it('spot with book depth 1 and a ticker: orderbook.1 is subscribed once', () => {
    const msgs = bybitAdapter.subscribe(
      [{ market: 'BTCUSDT', channel: 'book' }, { market: 'BTCUSDT', channel: 'ticker' }],
      ctx(1),
      counter(),
    );
    expect(msgs.map((m) => JSON.parse(m) as unknown)).toEqual([
      { req_id: '1', op: 'subscribe', args: ['orderbook.1.BTCUSDT', 'tickers.BTCUSDT'] },
    ]);
  });

  it('linear: a ticker is tickers only; unsubscribe mirrors subscribe', () => {
    const streams: StreamRef[] = [{ market: 'BTCUSDT', channel: 'ticker' }, { market: 'BTCUSDT', channel: 'book' }];
    expect(bybitLinearAdapter.subscribe(streams, ctx(1000), counter())).toEqual([
      '{"req_id":"1","op":"subscribe","args":["tickers.BTCUSDT","orderbook.1000.BTCUSDT"]}',
    ]);
    expect(bybitLinearAdapter.unsubscribe(streams, ctx(1000), counter())).toEqual([
      '{"req_id":"1","op":"unsubscribe","args":["tickers.BTCUSDT","orderbook.1000.BTCUSDT"]}',
    ]);
  });
});

describe('bybit parse: book', () => {
  it('docs snapshot and delta: levels as sent, u as updateId, cts as exchange time', () => {
    const [snap] = bybitLinearAdapter.parse(DOC_BOOK_SNAPSHOT, ctx());
    expect(snap).toEqual({
      kind: 'book',
      market: 'BTCUSDT',
      action: 'snapshot',
      exchangeTime: 1672304484976_000,
      bids: [['16493.50', '0.006'], ['16493.00', '0.100']],
      asks: [['16611.00', '0.029'], ['16612.00', '0.213']],
      updateId: 18521288,
      sequence: 7961638724,
    });
    const [delta] = bybitAdapter.parse(DOC_BOOK_DELTA, ctx());
    expect(delta).toMatchObject({ kind: 'book', action: 'delta', updateId: 177400507, asks: [['30248.70', '0'], ['30249.30', '0.892']] });
  });

  it('spot orderbook.1 becomes the ticker bid/ask (and the book only when the book depth is 1)', () => {
    const frame =
      '{"topic":"orderbook.1.BTCUSDT","ts":1700000000123,"type":"snapshot","data":{"s":"BTCUSDT","b":[["30000.01","1.5"]],"a":[["30000.02","0.25"]],"u":42,"seq":9},"cts":1700000000120}';
    expect(bybitAdapter.parse(frame, ctx(200))).toEqual([
      {
        kind: 'ticker',
        market: 'BTCUSDT',
        exchangeTime: 1700000000120_000,
        fields: { bidPrice: '30000.01', bidSize: '1.5', askPrice: '30000.02', askSize: '0.25', updateId: 42 },
      },
    ]);
    expect(bybitAdapter.parse(frame, ctx(1)).map((m) => m.kind)).toEqual(['book', 'ticker']);
    // linear orderbook.1 is only a book (linear tickers carry bid1/ask1 themselves)
    expect(bybitLinearAdapter.parse(frame, ctx(1)).map((m) => m.kind)).toEqual(['book']);
  });

  it('a frame that does not match the wire shape is unknown, not thrown', () => {
    const bad = '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[[1,2]],"a":[],"u":5}}';
    expect(bybitAdapter.parse(bad, ctx())).toEqual([{ kind: 'malformed', reason: 'malformed orderbook frame', channel: 'book', market: 'BTCUSDT' }]);
    expect(() => bybitAdapter.parse('{not json', ctx())).toThrow();
  });
});

describe('bybit parse: tickers and trades', () => {
  const frames = fixture('wsTicker.jsonl');

  it('spot ticker snapshot (real shape): no bid/ask fields, 24 h fields mapped', () => {
    const out = bybitAdapter.parse(frames[0]!, ctx());
    expect(out).toEqual([
      {
        kind: 'ticker',
        market: 'BTCUSDT',
        exchangeTime: 1715742949283_000,
        fields: {
          last: '21109.77',
          open24h: '20704.93',
          high24h: '21426.99',
          low24h: '20575',
          volume24h: '6780.866843',
          quoteVolume24h: '141946527.22907118',
        },
      },
    ]);
  });

  it('linear snapshot then delta: the delta carries only the fields present (absent = unchanged)', () => {
    const [snap] = bybitLinearAdapter.parse(frames[2]!, ctx());
    const [delta] = bybitLinearAdapter.parse(frames[3]!, ctx());
    expect(snap).toMatchObject({ kind: 'ticker', market: 'BTCUSDT', fields: { bidPrice: '61873.90', bidSize: '3.783', askPrice: '61874.00', askSize: '16.278', last: '61874.00' } });
    expect(delta).toEqual({
      kind: 'ticker',
      market: 'BTCUSDT',
      exchangeTime: 1715748763063_000,
      fields: { bidPrice: '61873.90', bidSize: '3.543' },
    });
    // merged the way the pipeline merges partial fields: the ask and last survive from the snapshot
    const merged = { ...(snap as Extract<WireMessage, { kind: 'ticker' }>).fields, ...(delta as Extract<WireMessage, { kind: 'ticker' }>).fields };
    expect(merged).toMatchObject({ bidPrice: '61873.90', bidSize: '3.543', askPrice: '61874.00', askSize: '16.278', last: '61874.00' });
  });

  it('publicTrade: S is the taker side, T the trade time, i the id', () => {
    expect(bybitAdapter.parse(DOC_TRADE, ctx())).toEqual([
      {
        kind: 'trade',
        market: 'BTCUSDT',
        exchangeTime: 1672304486865_000,
        tradeId: '20f43950-d8dd-5b31-9112-a178eb6023af',
        price: '16578.50',
        size: '0.001',
        side: 'buy',
      },
    ]);
  });

  it('hand parser agrees with the zod wire schemas on every real and documented frame', () => {
    const book = [...fixture('xrpusdt-ob500.ndjson'), DOC_BOOK_SNAPSHOT, DOC_BOOK_DELTA];
    for (const f of book) {
      const z = BookFrame.parse(JSON.parse(f));
      const [m] = bybitLinearAdapter.parse(f, ctx());
      expect(m).toEqual({
        kind: 'book',
        market: z.data.s,
        action: z.type,
        exchangeTime: (z.cts ?? z.ts) * 1000,
        bids: z.data.b,
        asks: z.data.a,
        updateId: z.data.u,
        ...(z.data.seq !== undefined ? { sequence: z.data.seq } : {}),
      });
    }
    for (const f of frames) {
      const z = TickerFrame.parse(JSON.parse(f));
      const [m] = bybitLinearAdapter.parse(f, ctx());
      expect(m).toMatchObject({ kind: 'ticker', market: z.data.symbol, exchangeTime: z.ts * 1000 });
      if (m?.kind === 'ticker') expect(m.fields.last).toBe(z.data.lastPrice);
    }
    const t = TradeFrame.parse(JSON.parse(DOC_TRADE));
    expect(bybitAdapter.parse(DOC_TRADE, ctx())).toHaveLength(t.data.length);
  });
});

describe('bybit parse: op replies', () => {
  it('spot and linear acks carry the numeric req_id back (empty req_id = no id)', () => {
    expect(bybitAdapter.parse(SPOT_ACK, ctx())).toEqual([{ kind: 'ack', id: 10001 }]);
    expect(bybitLinearAdapter.parse(LINEAR_ACK, ctx())).toEqual([{ kind: 'ack', id: undefined }]);
  });

  it('an invalid symbol is an error for that stream only', () => {
    expect(bybitAdapter.parse(INVALID_SYMBOL, ctx())).toEqual([
      {
        kind: 'error',
        code: 'TW_ERR_UNKNOWN_SYMBOL',
        message: 'bybit subscribe failed: Invalid symbol :[tickers.NOPEUSDT]',
        market: 'NOPEUSDT',
        channel: 'ticker',
        id: 7,
      },
    ]);
    expect(bybitAdapter.parse(HANDLER_NOT_FOUND, ctx())).toEqual([
      expect.objectContaining({ kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', market: 'NOTASYMBOL', channel: 'trades' }),
    ]);
  });

  it('spot orderbook.1 errors belong to the ticker unless the book is depth 1; other errors have no stream', () => {
    const f = '{"success":false,"ret_msg":"Invalid symbol :[orderbook.1.NOPEUSDT]","conn_id":"x","req_id":"","op":"subscribe"}';
    expect(bybitAdapter.parse(f, ctx(200))[0]).toMatchObject({ market: 'NOPEUSDT', channel: 'ticker' });
    expect(bybitAdapter.parse(f, ctx(1))[0]).toMatchObject({ market: 'NOPEUSDT', channel: 'book' });
    expect(bybitLinearAdapter.parse(f, ctx(200))[0]).toMatchObject({ market: 'NOPEUSDT', channel: 'book' });
    const [e] = bybitAdapter.parse(ARGS_TOO_MANY, ctx());
    expect(e).toEqual({ kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'bybit subscribe failed: args size >10', id: 3 });
  });
});

describe('bybit instruments', () => {
  it('requests instruments-info per category', () => {
    expect(bybitAdapter.instrumentsRequest().path).toBe('/v5/market/instruments-info?category=spot');
    expect(bybitLinearAdapter.instrumentsRequest().path).toBe('/v5/market/instruments-info?category=linear&limit=1000');
  });

  it('parses spot and linear lists: unified symbol, trading status, precisions', () => {
    const spot = JSON.stringify({
      retCode: 0,
      retMsg: 'OK',
      result: {
        category: 'spot',
        list: [
          { symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT', status: 'Trading', lotSizeFilter: { basePrecision: '0.000001', quotePrecision: '0.00000001' }, priceFilter: { tickSize: '0.01' } },
          { symbol: 'OLDUSDT', baseCoin: 'OLD', quoteCoin: 'USDT', status: 'Closed', lotSizeFilter: { basePrecision: '1' }, priceFilter: { tickSize: '0.0001' } },
        ],
      },
      retExtInfo: {},
      time: 1,
    });
    expect(bybitAdapter.parseInstruments(spot)).toEqual([
      { market: 'BTCUSDT', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', trading: true, pricePrecision: 2, qtyPrecision: 6, status: 'Trading', kind: 'spot', tickSize: '0.01', lotSize: '0.000001' },
      { market: 'OLDUSDT', symbol: 'OLD/USDT', base: 'OLD', quote: 'USDT', trading: false, pricePrecision: 4, qtyPrecision: 0, status: 'Closed', kind: 'spot', tickSize: '0.0001', lotSize: '1' },
    ]);
    const linear = JSON.stringify({
      retCode: 0,
      retMsg: 'OK',
      result: {
        category: 'linear',
        list: [
          { symbol: 'BTCPERP', contractType: 'LinearPerpetual', status: 'Trading', baseCoin: 'BTC', quoteCoin: 'USDC', settleCoin: 'USDC', priceFilter: { tickSize: '0.10' }, lotSizeFilter: { qtyStep: '0.001' } },
          { symbol: 'BTC-26DEC25', contractType: 'LinearFutures', status: 'Trading', baseCoin: 'BTC', quoteCoin: 'USDC', settleCoin: 'USDC', priceFilter: { tickSize: '0.50' }, lotSizeFilter: { qtyStep: '0.001' } },
        ],
        nextPageCursor: '',
      },
    });
    expect(bybitLinearAdapter.parseInstruments(linear).map((i) => [i.market, i.symbol, i.pricePrecision, i.qtyPrecision])).toEqual([
      ['BTCPERP', 'BTC/USDC', 1, 3],
      ['BTC-26DEC25', 'BTC/USDC-26DEC25', 1, 3],
    ]);
    expect(bybitAdapter.toMarket('btc/usdt')).toBe('BTCUSDT');
  });

  it('a non-zero retCode is an exchange error', () => {
    expect(() => bybitAdapter.parseInstruments('{"retCode":10001,"retMsg":"params error","result":{"list":[]}}')).toThrow(/params error/);
  });
});
