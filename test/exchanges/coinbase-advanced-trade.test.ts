/**
 * Coinbase Advanced Trade parsing and control messages, on the frames of docs/protocols/coinbase.md (docs examples and
 * the live frames quoted there; no real capture of this feed exists in realdata).
 */
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../src/book/order-book.js';
import { coinbaseAdapter, parseAdvancedTrade } from '../../src/exchanges/coinbase/advanced-trade.js';
import { AtEnvelope, AtL2Event } from '../../src/exchanges/coinbase/wire.js';

const CTX = { bookDepth: 1000, instruments: new Map() };

const SNAPSHOT =
  '{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":0,"events":[{"type":"snapshot","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"21921.73","new_quantity":"0.06317902"},{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"21921.3","new_quantity":"0.02"},{"side":"offer","event_time":"1970-01-01T00:00:00Z","price_level":"21921.74","new_quantity":"1.5"}]}]}';
const UPDATE =
  '{"channel":"l2_data","client_id":"","timestamp":"2024-01-15T10:30:45Z","sequence_num":2,"events":[{"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2024-01-15T10:30:44.999Z","price_level":"42499.00","new_quantity":"0"},{"side":"offer","event_time":"2024-01-15T10:30:44.999Z","price_level":"42501.00","new_quantity":"1.25"},{"side":"ask","event_time":"2024-01-15T10:30:44.999Z","price_level":"42502.00","new_quantity":"2"}]}]}';
const TICKER =
  '{"channel":"ticker","client_id":"","timestamp":"2023-02-09T20:30:37.167359596Z","sequence_num":5,"events":[{"type":"snapshot","tickers":[{"type":"ticker","product_id":"BTC-USD","price":"21932.98","volume_24_h":"16038.28770938","low_24_h":"21835.29","high_24_h":"23011.18","low_52_w":"15460","high_52_w":"48240","price_percent_chg_24_h":"-4.15775596190603","best_bid":"21931.98","best_bid_quantity":"8000.21","best_ask":"21933.98","best_ask_quantity":"8038.07770938"}]}]}';
const HEARTBEAT =
  '{"channel":"heartbeats","client_id":"","timestamp":"2023-06-23T20:31:26.122969572Z","sequence_num":7,"events":[{"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105","heartbeat_counter":"3049"}]}';

const trades = (type: string, seq: number, list: Array<[string, 'BUY' | 'SELL']>): string =>
  JSON.stringify({
    channel: 'market_trades',
    client_id: '',
    timestamp: '2023-02-09T20:19:35.39625135Z',
    sequence_num: seq,
    events: [
      {
        type,
        trades: list.map(([id, side]) => ({
          trade_id: id,
          product_id: 'ETH-USD',
          price: '1260.01',
          size: '0.3',
          side,
          time: '2019-08-14T20:42:27.265Z',
        })),
      },
    ],
  });

describe('Coinbase Advanced Trade parse', () => {
  it('l2_data snapshot: sequence first, then the book; "offer" is the ask side; epoch event_time ignored', () => {
    const msgs = parseAdvancedTrade(SNAPSHOT);
    expect(msgs).toEqual([
      { kind: 'sequence', value: 0 },
      {
        kind: 'book',
        market: 'BTC-USD',
        action: 'snapshot',
        exchangeTime: Date.UTC(2023, 1, 9, 20, 32, 50) * 1000 + 714964,
        bids: [
          ['21921.73', '0.06317902'],
          ['21921.3', '0.02'],
        ],
        asks: [['21921.74', '1.5']],
      },
    ]);
  });

  it('l2_data update: "offer" and "ask" both go to asks; "0" removes; absent-level deletes are harmless', () => {
    const msgs = parseAdvancedTrade(UPDATE);
    expect(msgs[0]).toEqual({ kind: 'sequence', value: 2 });
    expect(msgs[1]).toMatchObject({
      kind: 'book',
      action: 'delta',
      bids: [['42499.00', '0']],
      asks: [
        ['42501.00', '1.25'],
        ['42502.00', '2'],
      ],
    });
    const book = new OrderBook();
    book.applySnapshot([['42498', '1']], [['42503', '1']]);
    const d = msgs[1]!;
    if (d.kind !== 'book') throw new Error('not a book');
    expect(coinbaseAdapter.book.next(0, d, undefined)).toBe('apply');
    book.applyLevels(d.bids, d.asks); // 42499.00 was never in the book
    expect(book.top(5)).toEqual({
      bids: [['42498', '1']],
      asks: [
        ['42501.00', '1.25'],
        ['42502.00', '2'],
        ['42503', '1'],
      ],
    });
  });

  it('hand-written l2_data parse agrees with the zod wire schema', () => {
    for (const f of [SNAPSHOT, UPDATE]) {
      const env = AtEnvelope.parse(JSON.parse(f));
      const [, book] = parseAdvancedTrade(f);
      const ev = AtL2Event.parse(env.events[0]);
      expect(book).toMatchObject({
        market: ev.product_id,
        bids: ev.updates.filter((u) => u.side === 'bid').map((u) => [u.price_level, u.new_quantity]),
        asks: ev.updates.filter((u) => u.side !== 'bid').map((u) => [u.price_level, u.new_quantity]),
      });
    }
  });

  it('ticker → best bid/ask with sizes, last, 24 h stats', () => {
    expect(parseAdvancedTrade(TICKER)).toEqual([
      { kind: 'sequence', value: 5 },
      {
        kind: 'ticker',
        market: 'BTC-USD',
        fields: {
          bidPrice: '21931.98',
          bidSize: '8000.21',
          askPrice: '21933.98',
          askSize: '8038.07770938',
          last: '21932.98',
          high24h: '23011.18',
          low24h: '21835.29',
          volume24h: '16038.28770938',
        },
      },
    ]);
  });

  it('market_trades: side is the maker side → taker is the opposite; the snapshot (history) is not emitted', () => {
    expect(parseAdvancedTrade(trades('snapshot', 3, [['10', 'BUY']]))).toEqual([{ kind: 'sequence', value: 3 }]);
    const msgs = parseAdvancedTrade(
      trades('update', 4, [
        ['12', 'SELL'],
        ['11', 'BUY'],
      ]),
    );
    // newest-first batch emitted in trade order
    expect(msgs.map((m) => (m.kind === 'trade' ? [m.tradeId, m.side] : m.kind))).toEqual([
      'sequence',
      ['11', 'sell'],
      ['12', 'buy'],
    ]);
  });

  it('heartbeats (counter as string or number), subscriptions ack, error', () => {
    expect(parseAdvancedTrade(HEARTBEAT)).toEqual([{ kind: 'sequence', value: 7 }, { kind: 'heartbeat' }]);
    expect(parseAdvancedTrade(HEARTBEAT.replace('"3049"', '3049'))[1]).toEqual({ kind: 'heartbeat' });
    expect(
      parseAdvancedTrade(
        '{"channel":"subscriptions","client_id":"","timestamp":"2023-02-09T20:32:50Z","sequence_num":1,"events":[{"subscriptions":{"market_trades":["BTC-USD"]}}]}',
      ),
    ).toEqual([{ kind: 'sequence', value: 1 }, { kind: 'ack' }]);
    expect(parseAdvancedTrade('{"type":"error","message":"failure to subscribe"}')).toEqual([
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'failure to subscribe' },
    ]);
  });

  it('a malformed frame yields no sequence, so the next frame shows the loss as a gap', () => {
    const bad = UPDATE.replace('"new_quantity":"1.25"', '"new_quantity":1.25');
    const msgs = parseAdvancedTrade(bad);
    expect(msgs.some((m) => m.kind === 'sequence')).toBe(false);
    expect(msgs[0]).toMatchObject({ kind: 'malformed' });
    expect(() => parseAdvancedTrade('{not json')).toThrow();
  });

  it('unknown channels are reported but keep the sequence', () => {
    const msgs = parseAdvancedTrade('{"channel":"candles","client_id":"","timestamp":"x","sequence_num":9,"events":[]}');
    expect(msgs).toEqual([{ kind: 'sequence', value: 9 }, { kind: 'unknown', reason: 'channel candles' }]);
  });
});

describe('Coinbase Advanced Trade control messages', () => {
  it('heartbeats first, then one channel per subscribe message', () => {
    const msgs = coinbaseAdapter.subscribe(
      [
        { market: 'BTC-USD', channel: 'book' },
        { market: 'ETH-USD', channel: 'book' },
        { market: 'BTC-USD', channel: 'ticker' },
        { market: 'BTC-USD', channel: 'trades' },
      ],
      CTX,
      () => 1,
    );
    expect(msgs.map((m) => JSON.parse(m) as unknown)).toEqual([
      { type: 'subscribe', channel: 'heartbeats' },
      { type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channel: 'level2' },
      { type: 'subscribe', product_ids: ['BTC-USD'], channel: 'ticker' },
      { type: 'subscribe', product_ids: ['BTC-USD'], channel: 'market_trades' },
    ]);
  });

  it('unsubscribe never drops heartbeats', () => {
    const msgs = coinbaseAdapter.unsubscribe([{ market: 'BTC-USD', channel: 'book' }], CTX, () => 1);
    expect(msgs.map((m) => JSON.parse(m) as unknown)).toEqual([
      { type: 'unsubscribe', product_ids: ['BTC-USD'], channel: 'level2' },
    ]);
  });

  it('REST product_book is a top-N cross-check source without an id', () => {
    const rules = coinbaseAdapter.book;
    expect(rules.reconcileBy).toBe('top-n');
    expect(rules.snapshotRequest!('BTC-USD', 50).path).toBe('/api/v3/brokerage/market/product_book?product_id=BTC-USD&limit=50');
    const snap = rules.parseSnapshot!(
      '{"pricebook":{"product_id":"BTC-USD","bids":[{"price":"100.5","size":"1"}],"asks":[{"price":"101","size":"2"}],"time":"2024-01-24T15:32:52.961744Z"},"last":"100.7"}',
    );
    expect(snap).toEqual({
      updateId: 0,
      bids: [['100.5', '1']],
      asks: [['101', '2']],
      exchangeTime: Date.UTC(2024, 0, 24, 15, 32, 52) * 1000 + 961744,
    });
  });

  it('instruments: spot products only, precisions from increments, disabled products not trading', () => {
    const list = coinbaseAdapter.parseInstruments(
      JSON.stringify({
        products: [
          { product_id: 'BTC-USD', base_currency_id: 'BTC', quote_currency_id: 'USD', status: 'online', trading_disabled: false, quote_increment: '0.01', base_increment: '0.00000001', product_type: 'SPOT' },
          { product_id: 'OLD-USD', base_currency_id: 'OLD', quote_currency_id: 'USD', status: 'delisted', trading_disabled: true, quote_increment: '0.1', base_increment: '1', product_type: 'SPOT' },
          { product_id: 'BIT-28JUN24-CDE', product_type: 'FUTURE' },
        ],
      }),
    );
    expect(list).toEqual([
      { market: 'BTC-USD', symbol: 'BTC/USD', base: 'BTC', quote: 'USD', trading: true, pricePrecision: 2, qtyPrecision: 8, status: 'online', kind: 'spot', tickSize: '0.01', lotSize: '0.00000001' },
      { market: 'OLD-USD', symbol: 'OLD/USD', base: 'OLD', quote: 'USD', trading: false, pricePrecision: 1, qtyPrecision: 0, status: 'delisted', kind: 'spot', tickSize: '0.1', lotSize: '1' },
    ]);
    expect(coinbaseAdapter.toMarket('btc/usd')).toBe('BTC-USD');
  });
});
