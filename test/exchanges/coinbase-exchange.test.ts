/** Coinbase Exchange adapter: the non-book frames, malformed frames, control messages and REST bodies. */
import { describe, expect, it } from 'vitest';
import { coinbaseExchangeAdapter, parseExchangeFeed } from '../../src/exchanges/coinbase/exchange.js';

const CTX = { bookDepth: 1000, instruments: new Map() };

describe('Coinbase Exchange parse', () => {
  it('a malformed l2update names its market and the book channel (that book lost an update)', () => {
    expect(parseExchangeFeed('{"type":"l2update","product_id":"BTC-USD","changes":[["buy","1.0",2]]}')).toEqual([
      { kind: 'error', code: 'TW_ERR_MALFORMED_FRAME', message: 'malformed l2update frame', market: 'BTC-USD', channel: 'book' },
    ]);
    expect(parseExchangeFeed('{"type":"l2update","changes":[]}')).toEqual([
      { kind: 'malformed', reason: 'l2update frame does not match the wire schema' },
    ]);
    expect(parseExchangeFeed('{"type":"ticker","product_id":5}')[0]).toMatchObject({ kind: 'malformed' });
  });

  it('errors: unknown product → TW_ERR_UNKNOWN_SYMBOL for that market; level2 auth refusal → the book channel', () => {
    expect(parseExchangeFeed('{"type":"error","message":"Failed to subscribe","reason":"ETH-USD is not a valid product"}')).toEqual([
      { kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', message: 'Failed to subscribe: ETH-USD is not a valid product', market: 'ETH-USD' },
    ]);
    expect(
      parseExchangeFeed('{"type":"error","message":"Failed to subscribe","reason":"level2, level3, and full channels now require authentication."}'),
    ).toEqual([
      {
        kind: 'error',
        code: 'TW_ERR_EXCHANGE_ERROR',
        message: 'Failed to subscribe: level2, level3, and full channels now require authentication.',
        channel: 'book',
      },
    ]);
  });

  it('heartbeat, subscriptions, last_match (not emitted), unknown types', () => {
    expect(parseExchangeFeed('{"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"BTC-USD","time":"2014-11-07T08:19:28.464459Z"}')).toEqual([
      { kind: 'heartbeat', market: 'BTC-USD' },
    ]);
    expect(parseExchangeFeed('{"type":"subscriptions","channels":[]}')).toEqual([{ kind: 'ack' }]);
    expect(
      parseExchangeFeed('{"type":"last_match","trade_id":1,"side":"buy","size":"1","price":"2","product_id":"BTC-USD","sequence":3,"time":"2021-04-17T16:43:30.244075Z"}'),
    ).toEqual([]);
    expect(parseExchangeFeed('{"type":"status","products":[]}')).toEqual([{ kind: 'unknown', reason: 'type status' }]);
  });

  it('ticker with sizes (current feed) → all fields, updateId = product sequence', () => {
    const [t] = parseExchangeFeed(
      '{"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22","open_24h":"1310.79","volume_24h":"245532.79269678","low_24h":"1280.52","high_24h":"1313.8","volume_30d":"9788783.60117027","best_bid":"1285.04","best_bid_size":"0.46688654","best_ask":"1285.27","best_ask_size":"1.56637040","side":"buy","time":"2022-10-19T23:28:22.061769Z","trade_id":370843401,"last_size":"11.4396987"}',
    );
    expect(t).toEqual({
      kind: 'ticker',
      market: 'ETH-USD',
      exchangeTime: Date.UTC(2022, 9, 19, 23, 28, 22) * 1000 + 61769,
      fields: {
        bidPrice: '1285.04',
        bidSize: '0.46688654',
        askPrice: '1285.27',
        askSize: '1.56637040',
        last: '1285.22',
        lastSize: '11.4396987',
        open24h: '1310.79',
        high24h: '1313.8',
        low24h: '1280.52',
        volume24h: '245532.79269678',
        updateId: 37475248783,
      },
    });
  });
});

describe('Coinbase Exchange control messages and REST', () => {
  it('unsubscribe keeps heartbeats (another channel may need them)', () => {
    expect(coinbaseExchangeAdapter.unsubscribe([{ market: 'BTC-USD', channel: 'ticker' }], CTX, () => 1).map((m) => JSON.parse(m) as unknown)).toEqual([
      { type: 'unsubscribe', product_ids: ['BTC-USD'], channels: ['ticker'] },
    ]);
  });

  it('REST level-2 book (the full aggregated book, with num-orders) → RestSnapshot for the full-book check, its sequence the version', () => {
    const rules = coinbaseExchangeAdapter.book;
    expect(rules.integrity).toBe('none');
    expect(rules.reconcileBy).toBe('top-n');
    expect(rules.snapshotRequest!('BTC-USD', 1000).path).toBe('/products/BTC-USD/book?level=2');
    expect(
      rules.parseSnapshot!(
        '{"bids":[["39982.8","0.01884514",1]],"asks":[["39985.08","0.07946493",1]],"sequence":72011663386,"auction_mode":false,"auction":null,"time":"2024-01-24T15:32:52.961744Z"}',
      ),
    ).toEqual({
      updateId: 0,
      bids: [['39982.8', '0.01884514']],
      asks: [['39985.08', '0.07946493']],
      exchangeTime: Date.UTC(2024, 0, 24, 15, 32, 52) * 1000 + 961744,
      version: 72011663386,
    });
  });
});
