import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { krakenAdapter, krakenDepth } from '../../src/exchanges/kraken/index.js';
import { toV2Symbol } from '../../src/exchanges/kraken/symbols.js';
import type { Instrument } from '../../src/exchanges/types.js';
import { context } from '../helpers/kraken-replay.js';

const btc: Instrument = { market: 'BTC/USD', symbol: 'BTC/USD', base: 'BTC', quote: 'USD', trading: true, pricePrecision: 1, qtyPrecision: 8 };
const ctx = context(new Map([['BTC/USD', btc]]));

describe('kraken adapter: requests', () => {
  it('connects to /v2 on the configured origin', () => {
    expect(krakenAdapter.wsUrl(krakenAdapter.defaultEndpoints)).toBe('wss://ws.kraken.com/v2');
    expect(krakenAdapter.wsUrl({ ws: 'ws://127.0.0.1:5000/', rest: 'http://127.0.0.1:5000' })).toBe('ws://127.0.0.1:5000/v2');
  });

  it('subscribes book (depth), ticker (bbo trigger) and trade (no replayed snapshot), one message per channel', () => {
    let id = 0;
    const msgs = krakenAdapter
      .subscribe(
        [
          { market: 'BTC/USD', channel: 'book' },
          { market: 'ETH/USD', channel: 'book' },
          { market: 'BTC/USD', channel: 'ticker' },
          { market: 'BTC/USD', channel: 'trades' },
        ],
        context(new Map(), 25),
        () => ++id,
      )
      .map((m) => JSON.parse(m) as unknown);
    expect(msgs).toEqual([
      { method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD', 'ETH/USD'], depth: 25, snapshot: true }, req_id: 1 },
      { method: 'subscribe', params: { channel: 'ticker', symbol: ['BTC/USD'], event_trigger: 'bbo' }, req_id: 2 },
      { method: 'subscribe', params: { channel: 'trade', symbol: ['BTC/USD'], snapshot: false }, req_id: 3 },
    ]);
    const unsub = krakenAdapter.unsubscribe([{ market: 'BTC/USD', channel: 'book' }], context(new Map(), 10), () => 9);
    expect(JSON.parse(unsub[0]!)).toEqual({ method: 'unsubscribe', params: { channel: 'book', symbol: ['BTC/USD'], depth: 10 }, req_id: 9 });
  });

  it('maps a requested depth to an allowed one, default 10', () => {
    expect([0, 10, 11, 25, 26, 500, 1000, 5000].map(krakenDepth)).toEqual([10, 10, 25, 25, 100, 500, 1000, 1000]);
    expect(krakenAdapter.book.truncateTo?.(0)).toBe(10);
    expect(krakenAdapter.book.truncateTo?.(100)).toBe(100);
  });

  it("pings with a JSON ping carrying the connection's ping number as req_id (no state in the adapter)", () => {
    const ping = krakenAdapter.keepalive.ping;
    expect(ping?.kind).toBe('text');
    if (ping?.kind !== 'text') return;
    expect(JSON.parse(ping.message(1))).toEqual({ method: 'ping', req_id: 1 });
    expect(JSON.parse(ping.message(2))).toEqual({ method: 'ping', req_id: 2 });
    expect(ping.message(1)).toBe(ping.message(1));
    // a quiet connection is pinged, and the pong can arrive, before it is declared stale
    const k = krakenAdapter.keepalive;
    expect(ping.intervalMs + (k.pongTimeoutMs ?? 0)).toBeLessThanOrEqual(k.staleAfterMs);
  });

  it('maps user symbols to v2 names (XBT → BTC)', () => {
    expect(toV2Symbol('XBT/USD')).toBe('BTC/USD');
    expect(toV2Symbol('xbt-eur')).toBe('BTC/EUR');
    expect(toV2Symbol('ADA/XBT')).toBe('ADA/BTC');
    expect(toV2Symbol('BTC/USD')).toBe('BTC/USD');
    expect(krakenAdapter.toMarket('eth/usd')).toBe('ETH/USD');
  });
});

describe('kraken adapter: instruments (REST AssetPairs capture slice)', () => {
  it('reads wsname with v2 codes, pair_decimals and lot_decimals', () => {
    const body = readFileSync(new URL('../../fixtures/kraken/assetpairs-slice.json', import.meta.url), 'utf8');
    const list = krakenAdapter.parseInstruments(body);
    expect(krakenAdapter.instrumentsRequest().path).toBe('/0/public/AssetPairs');
    expect(list.find((i) => i.market === 'BTC/USD')).toEqual({
      market: 'BTC/USD',
      symbol: 'BTC/USD',
      base: 'BTC',
      quote: 'USD',
      trading: true,
      pricePrecision: 1,
      qtyPrecision: 8,
      // the 2021 capture has no status, tick_size or costmin: those stay absent
      kind: 'spot',
      lotSize: '0.00000001',
      minSize: '0.0002',
    });
    expect(list.map((i) => i.market).sort()).toEqual(['ADA/BTC', 'BTC/EUR', 'BTC/USD', 'DOGE/USD', 'ETH/USD']);
  });

  it('marks non-online pairs as not trading and rejects an error body', () => {
    const body = JSON.stringify({ error: [], result: { X: { wsname: 'FOO/USD', pair_decimals: 2, lot_decimals: 8, status: 'delisted' } } });
    expect(krakenAdapter.parseInstruments(body)[0]?.trading).toBe(false);
    expect(() => krakenAdapter.parseInstruments('{"error":["EGeneral:Too many requests"],"result":{}}')).toThrow(/Too many/);
  });
});

describe('kraken adapter: parse', () => {
  it('ticker (bbo trigger): exact, padded decimal strings', () => {
    const frame =
      '{"channel":"ticker","type":"snapshot","data":[{"symbol":"BTC/USD","bid":105944.20,"bid_qty":2.5,"ask":105944.3,"ask_qty":3.2,"last":105899.40,"volume":163.28908096,"vwap":105904.39279,"low":104711.00,"high":106613.10,"change":250.00,"change_pct":0.24,"timestamp":"2022-12-25T09:30:59.123456Z"}]}';
    expect(krakenAdapter.parse(frame, ctx)).toEqual([
      {
        kind: 'ticker',
        market: 'BTC/USD',
        exchangeTime: Date.parse('2022-12-25T09:30:59Z') * 1000 + 123456,
        fields: {
          bidPrice: '105944.20',
          bidSize: '2.50000000',
          askPrice: '105944.3',
          askSize: '3.20000000',
          last: '105899.40',
          high24h: '106613.10',
          low24h: '104711.00',
          volume24h: '163.28908096',
        },
      },
    ]);
  });

  it('trade: taker side, id as a string, size padded', () => {
    const frame =
      '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":45283.4,"qty":0.0005,"ord_type":"market","trade_id":4665846,"timestamp":"2023-10-06T17:35:55.440295Z"}]}';
    expect(krakenAdapter.parse(frame, ctx)).toEqual([
      {
        kind: 'trade',
        market: 'BTC/USD',
        tradeId: '4665846',
        price: '45283.4',
        size: '0.00050000',
        side: 'sell',
        exchangeTime: Date.parse('2023-10-06T17:35:55Z') * 1000 + 440295,
      },
    ]);
  });

  it('acks, pongs, heartbeats and status frames', () => {
    expect(
      krakenAdapter.parse(
        '{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,"symbol":"ALGO/USD"},"success":true,"time_in":"2023-10-06T17:35:55.219022Z","time_out":"2023-10-06T17:35:55.219067Z","req_id":7}',
        ctx,
      ),
    ).toEqual([{ kind: 'ack', id: 7 }]);
    expect(krakenAdapter.parse('{"method":"pong","req_id":42,"time_in":"2023-10-06T17:35:55.219022Z","time_out":"2023-10-06T17:35:55.219067Z"}', ctx)).toEqual([
      { kind: 'pong' },
    ]);
    expect(krakenAdapter.parse('{"channel":"heartbeat"}', ctx)).toEqual([{ kind: 'heartbeat' }]);
    expect(
      krakenAdapter.parse('{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":1,"system":"online","version":"2.0.0"}]}', ctx),
    ).toEqual([{ kind: 'heartbeat' }]);
    expect(
      krakenAdapter.parse('{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":1,"system":"maintenance","version":"2.0.0"}]}', ctx),
    ).toEqual([{ kind: 'reconnect', reason: 'Kraken system status: maintenance' }]);
  });

  it('a failed unsubscribe is reported without failing the stream', () => {
    expect(krakenAdapter.parse('{"error":"Subscription Not Found","method":"unsubscribe","success":false,"symbol":"BTC/USD","req_id":4}', ctx)).toEqual([
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'Subscription Not Found' },
    ]);
  });

  it('a subscribe error names its market only (unknown pair → TW_ERR_UNKNOWN_SYMBOL)', () => {
    const frame =
      '{"error":"Currency pair not supported XBT/USD","method":"subscribe","success":false,"symbol":"XBT/USD","time_in":"2018-11-12T21:14:59.545897Z","time_out":"2018-11-12T21:14:59.545901Z"}';
    expect(krakenAdapter.parse(frame, ctx)).toEqual([
      { kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', message: 'Currency pair not supported XBT/USD', market: 'XBT/USD' },
    ]);
    expect(krakenAdapter.parse('{"error":"Malformed request","method":"error","success":false}', ctx)).toEqual([
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'Malformed request' },
    ]);
    expect(krakenAdapter.parse('{"Error": "Exceeded msg rate"}', ctx)).toEqual([
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'Exceeded msg rate' },
    ]);
  });

  it('unknown and malformed frames are reported, invalid JSON throws', () => {
    expect(krakenAdapter.parse('{"channel":"level3","type":"update","data":[]}', ctx)[0]?.kind).toBe('unknown');
    expect(krakenAdapter.parse('{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":"x","qty":1}],"checksum":1}]}', ctx)[0]).toMatchObject({
      kind: 'malformed',
    });
    expect(krakenAdapter.parse('{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"up"}]}', ctx)[0]?.kind).toBe('malformed');
    expect(krakenAdapter.parse('{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":"abc"}]}', ctx)[0]?.kind).toBe('malformed');
    expect(krakenAdapter.parse('[1,2]', ctx)[0]?.kind).toBe('unknown');
    expect(() => krakenAdapter.parse('{"channel":"book",', ctx)).toThrow();
  });
});
