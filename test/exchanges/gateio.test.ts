/**
 * Gate.io spot v4 adapter on Gate's own documented examples (fixtures/gateio/, copied from the docs): units and
 * decimal strings exact; Gate's book-id rule. (The hand parser against the zod wire schemas on every documented and
 * simulated frame, and the frames both refuse: test/conformance/gateio.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { BookSync } from '../../src/book/book-sync.js';
import type { UnstampedEvent } from '../../src/schema/events.js';
import { bookChannelFor, gateioBookRules, parseOrderBook } from '../../src/exchanges/gateio/book.js';
import { createGateioAdapter, gateioAdapter, parseCurrencyPairs } from '../../src/exchanges/gateio/index.js';
import type { AdapterContext, DeltaMessage, WireMessage } from '../../src/exchanges/types.js';
import { replyFrame } from '../../src/sim/gateio-render.js';
import { fixtureText } from '../helpers/fixtures.js';

const doc = (name: string): string => fixtureText('gateio', name);
const ctx: AdapterContext = { bookDepth: 0, instruments: new Map() };
const parse = (frame: string): WireMessage[] => gateioAdapter.parse(frame, ctx);

describe('gateio documented examples', () => {
  // (the documented order book, trades and book ticker pushes, read as the zod schemas read them:
  // test/conformance/gateio.test.ts)
  it('order_book_update without `full` is a delta U..u; a push that does not match is malformed data of its book', () => {
    const frame = doc('ws-order-book-update.json');
    const incremental = frame.replace('"full": true,', '');
    expect(incremental).not.toBe(frame);
    expect(parse(incremental)[0]).toMatchObject({ action: 'delta', firstUpdateId: 48776301, updateId: 48776306 });
    expect(parse(frame.replace('"U": 48776301', '"U": "48776301"'))).toEqual([{ kind: 'malformed', reason: expect.any(String), channel: 'book', market: 'BTC_USDT' }]);
  });

  it('tickers: last and 24 h stats (no bid/ask: those come from book_ticker with their sizes)', () => {
    expect(parse(doc('ws-tickers.json'))).toEqual([
      {
        kind: 'ticker',
        market: 'BTC_USDT',
        fields: { last: '19106.55', high24h: '19417.74', low24h: '18434.21', volume24h: '2811.3042155865', quoteVolume24h: '53441606.52411221454674732293' },
      },
    ]);
  });

  it('replies: pong, subscribe ack, error reply (id echoed), upgrade notice → reconnect', () => {
    expect(parse(doc('ws-pong.json'))).toEqual([{ kind: 'pong' }]);
    expect(parse(doc('ws-subscribe-ack.json'))).toEqual([{ kind: 'ack', id: undefined }]);
    expect(parse(doc('ws-subscribe-error.json'))).toEqual([
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'gateio spot.obu subscribe error 2: Alert sub ob.BTC_USDT.400', id: 1 },
    ]);
    expect(parse(doc('ws-upgrade-notice.json'))).toEqual([
      { kind: 'reconnect', reason: 'gateio: The connection will soon be closed for a service upgrade. Please reconnect.' },
    ]);
  });

  it('an unknown pair is a permanent refusal of that stream; another error is transient and names the echoed pair', () => {
    const unknown = replyFrame({ id: 7, connId: 'c', channel: 'spot.order_book_update', event: 'subscribe', payload: ['NOPE_USDT', '100ms'], error: { code: 2, message: 'unknown currency pair: NOPE_USDT' }, now: 1 });
    expect(parse(unknown)).toEqual([
      { kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', message: 'gateio spot.order_book_update subscribe error 2: unknown currency pair: NOPE_USDT', market: 'NOPE_USDT', channel: 'book', id: 7 },
    ]);
    const busy = replyFrame({ id: 8, connId: 'c', channel: 'spot.trades', event: 'subscribe', payload: ['BTC_USDT'], error: { code: 3, message: 'Server side error happened' }, now: 1 });
    expect(parse(busy)[0]).toMatchObject({ code: 'TW_ERR_EXCHANGE_ERROR', market: 'BTC_USDT', channel: 'trades', id: 8 });
    // a list of pairs names no single market: the runtime falls back to the request id
    const list = replyFrame({ id: 9, connId: 'c', channel: 'spot.tickers', event: 'subscribe', payload: ['BTC_USDT', 'ETH_USDT'], error: { code: 3, message: 'x' }, now: 1 });
    expect(parse(list)[0]).toEqual({ kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'gateio spot.tickers subscribe error 3: x', id: 9 });
  });

  it('REST order_book with_id: `id` is the book id, sides kept as strings, `update` ms → µs', () => {
    expect(parseOrderBook(doc('rest-order-book.json'))).toEqual({
      updateId: 123456,
      exchangeTime: 1623898993121000,
      bids: [
        ['1.17', '201.863'],
        ['1.16', '725.464'],
      ],
      asks: [
        ['1.52', '1.151'],
        ['1.53', '1.218'],
      ],
    });
    expect(() => parseOrderBook('{"label":"INVALID_CURRENCY_PAIR","message":"Invalid currency pair NOPE_USDT"}')).toThrow(/INVALID_CURRENCY_PAIR/);
  });

  it('currency_pairs: unified symbol, precision and amount_precision, trade_status', () => {
    expect(parseCurrencyPairs(doc('rest-currency-pairs.json'))).toEqual([
      {
        market: 'ETH_USDT',
        symbol: 'ETH/USDT',
        base: 'ETH',
        quote: 'USDT',
        trading: true,
        pricePrecision: 6,
        qtyPrecision: 3,
        // instrument facts from the documented reply
        status: 'tradable',
        kind: 'spot',
        tickSize: '0.000001',
        lotSize: '0.001',
        minSize: '0.001',
        minNotional: '1.0',
      },
    ]);
    expect(parseCurrencyPairs('[{"id":"X_USDT","base":"X","quote":"USDT","trade_status":"untradable"}]')[0]?.trading).toBe(false);
  });
});

describe("gateio book rules (Gate's documented procedure)", () => {
  const d = (U: number, u: number): DeltaMessage => ({ kind: 'book', market: 'BTC_USDT', action: 'delta', bids: [], asks: [], firstUpdateId: U, updateId: u });
  const r = gateioBookRules;

  it('snapshot: too old when id + 1 < the first buffered U; the first applied push contains id + 1', () => {
    expect(r.snapshotTooOld!(100, d(102, 110))).toBe(true);
    expect(r.snapshotTooOld!(100, d(101, 110))).toBe(false);
    expect(r.first(100, d(95, 100))).toBe('drop'); // u < id + 1
    expect(r.first(100, d(95, 101))).toBe('apply');
    expect(r.first(100, d(101, 105))).toBe('apply');
    expect(r.first(100, d(102, 105))).toBe('gap');
  });

  it('afterwards: u <= local → drop, U > local + 1 → gap, an overlap applies', () => {
    expect(r.next(105, d(100, 105), undefined)).toBe('drop');
    expect(r.next(105, d(106, 110), undefined)).toBe('apply');
    expect(r.next(105, d(104, 110), undefined)).toBe('apply');
    expect(r.next(105, d(107, 110), undefined)).toBe('gap');
    expect(r.next(105, { ...d(106, 110), firstUpdateId: undefined }, undefined)).toBe('gap');
  });

  it('BookSync: REST splice, then a full push replaces the book (levels it lacks are gone) and the chain goes on from its u', () => {
    const events: UnstampedEvent[] = [];
    let rest = 0;
    const sync = new BookSync({ exchange: 'gateio', symbol: 'BTC/USDT', market: 'BTC_USDT', rules: r, subscribedDepth: 0, requestSnapshot: () => rest++, requestResubscribe: () => undefined, emit: (e) => events.push(e) });
    sync.start(1);
    sync.onMessage({ ...d(99, 103), bids: [['10', '1']], asks: [] }, 2);
    sync.onSnapshot({ updateId: 100, bids: [['9', '1']], asks: [['12', '1']] }, 3);
    expect(sync.state).toBe('live');
    expect(sync.book.top(5)).toEqual({ bids: [['10', '1'], ['9', '1']], asks: [['12', '1']] });
    sync.onMessage({ kind: 'book', market: 'BTC_USDT', action: 'snapshot', bids: [['8', '2']], asks: [['13', '1']], updateId: 110 }, 4);
    expect(sync.book.top(5)).toEqual({ bids: [['8', '2']], asks: [['13', '1']] });
    sync.onMessage(d(111, 112), 5);
    expect(sync.updateId).toBe(112);
    sync.onMessage(d(114, 115), 6);
    expect(sync.state).toBe('resyncing');
    expect(rest).toBe(2);
  });

  it('the book channel follows the asked depth; the book is cut to it; REST asks no deeper than 100', () => {
    expect(bookChannelFor(0)).toEqual({ interval: '100ms', depth: 100 });
    expect(bookChannelFor(20)).toEqual({ interval: '20ms', depth: 20 });
    expect(bookChannelFor(21)).toEqual({ interval: '100ms', depth: 100 });
    expect(r.truncateTo!(5)).toBe(20);
    expect(r.snapshotRequest!('BTC_USDT', 5000).path).toBe('/api/v4/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true');
  });
});

describe('gateio requests', () => {
  it('subscribe: one order book request per pair, pair lists for the others, `time` in seconds and an `id`', () => {
    const a = createGateioAdapter({ now: () => 1_700_000_000_999 });
    let id = 0;
    const msgs = a.subscribe(
      [
        { market: 'BTC_USDT', channel: 'book' },
        { market: 'ETH_USDT', channel: 'ticker' },
        { market: 'BTC_USDT', channel: 'trades' },
        { market: 'ETH_USDT', channel: 'book' },
      ],
      { bookDepth: 20, instruments: new Map() },
      () => ++id,
    );
    expect(msgs).toEqual([
      '{"time":1700000000,"id":1,"channel":"spot.order_book_update","event":"subscribe","payload":["BTC_USDT","20ms"]}',
      '{"time":1700000000,"id":2,"channel":"spot.order_book_update","event":"subscribe","payload":["ETH_USDT","20ms"]}',
      '{"time":1700000000,"id":3,"channel":"spot.tickers","event":"subscribe","payload":["ETH_USDT"]}',
      '{"time":1700000000,"id":4,"channel":"spot.book_ticker","event":"subscribe","payload":["ETH_USDT"]}',
      '{"time":1700000000,"id":5,"channel":"spot.trades","event":"subscribe","payload":["BTC_USDT"]}',
    ]);
    // the pipeline's clock wins (a replay then sends exactly the recorded requests)
    const replayed = a.subscribe([{ market: 'BTC_USDT', channel: 'trades' }], { bookDepth: 0, instruments: new Map(), nowMs: () => 1_600_000_000_000 }, () => 6);
    expect(replayed).toEqual(['{"time":1600000000,"id":6,"channel":"spot.trades","event":"subscribe","payload":["BTC_USDT"]}']);
    const ping = a.keepalive.ping;
    expect(ping?.kind === 'text' ? ping.message(1) : undefined).toBe('{"time":1700000000,"channel":"spot.ping"}');
    expect(a.wsUrl({ ws: 'ws://127.0.0.1:1/', rest: '' })).toBe('ws://127.0.0.1:1/ws/v4/');
    expect(a.toMarket('btc/usdt')).toBe('BTC_USDT');
  });
});
