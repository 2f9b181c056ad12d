/**
 * Deribit parser, book rules, instruments and symbols on Deribit's own documented examples
 * (fixtures/deribit/doc-examples.json, provenance per frame): prices and amounts come out as the exact number text
 * of the frame, and sizes carry their unit. (The hand-written book parser against the zod wire schema on every
 * documented and simulated frame: test/conformance/deribit.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { deribitAdapter, deribitBookRules } from '../../src/exchanges/deribit/index.js';
import { PUBLIC_TEST, parseDeribitFrame } from '../../src/exchanges/deribit/parse.js';
import { deribitMarket } from '../../src/exchanges/deribit/symbols.js';
import type { AdapterContext, DeltaMessage, WireMessage } from '../../src/exchanges/types.js';
import { deribitInstrumentFor, instrumentJson, jsonWithNumbers } from '../../src/sim/deribit-render.js';
import { docExamples } from '../helpers/fixtures.js';

const frame = (name: string): string => docExamples('deribit')[name]!;
const ctx: AdapterContext = { bookDepth: 0, instruments: new Map() };
const book = (name: string): DeltaMessage => {
  const [m] = parseDeribitFrame(frame(name));
  if (m?.kind !== 'book') throw new Error(`${name}: not a book message: ${JSON.stringify(m)}`);
  return m;
};

describe('deribit book notifications', () => {
  // (the documented snapshot and change, read as the zod schema reads them and chained by BookSync:
  // test/conformance/deribit.test.ts)
  it('an altered prev_change_id is a gap; a notification already in the book is dropped', () => {
    const change = book('bookChange');
    expect(deribitBookRules.next(297217, { ...change, prevUpdateId: 297216 }, undefined)).toBe('gap');
    expect(deribitBookRules.next(297218, change, undefined)).toBe('drop');
    expect(deribitBookRules.next(297217, { ...change, prevUpdateId: undefined }, undefined)).toBe('gap');
  });

  it('numbers in exponent form become plain decimals without a float (1.5e-3 → 0.0015); a delete is exactly "0"', () => {
    const f = '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-27MAY20-9000-C.100ms","data":{"type":"change","timestamp":1,"prev_change_id":1,"instrument_name":"BTC-27MAY20-9000-C","change_id":2,"bids":[["new",5.0e-4,1.5e-3]],"asks":[["change",0.10000000000000000555,12345678901234567890.5],["delete",0.2,0.0]]}}}';
    expect(parseDeribitFrame(f)[0]).toMatchObject({ bids: [['0.00050', '0.0015']], asks: [['0.10000000000000000555', '12345678901234567890.5'], ['0.2', '0']] });
  });

  it('the grouped book channel (whole snapshots without change ids) is not taken for the book', () => {
    const grouped = '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.ETH-PERPETUAL.100.1.100ms","data":{"timestamp":1554375447971,"instrument_name":"ETH-PERPETUAL","change_id":109615,"bids":[[160,40]],"asks":[[161,20]]}}}';
    expect(parseDeribitFrame(grouped)).toEqual([{ kind: 'unknown', reason: 'Deribit channel book.ETH-PERPETUAL.100.1.100ms' }]);
  });

  it('a book notification that does not match the schema is malformed book data of that market', () => {
    const bad = frame('bookChange').replace('["delete",5041.94,0]', '["remove",5041.94,0]');
    expect(parseDeribitFrame(bad)).toEqual([{ kind: 'malformed', reason: expect.any(String), channel: 'book', market: 'BTC-PERPETUAL' }]);
    const noPrev = frame('bookChange').replace('"prev_change_id":297217,', '');
    expect(parseDeribitFrame(noPrev)[0]).toMatchObject({ kind: 'malformed', channel: 'book' });
  });
});

describe('deribit tickers and trades (documented examples)', () => {
  it('ticker: best bid/ask, last, 24 h high/low and base volume as written', () => {
    // (its derivative fields: test/exchanges/deribit-derivatives.test.ts)
    expect(parseDeribitFrame(frame('ticker')).filter((m) => m.kind === 'ticker')).toEqual([
      {
        kind: 'ticker',
        market: 'BTC-PERPETUAL',
        exchangeTime: 1623060194301000,
        fields: { bidPrice: '36442.5', bidSize: '5000', askPrice: '36443', askSize: '100', last: '36457.5', high24h: '36824.5', low24h: '35213.5', volume24h: '7871.02139035' },
      },
    ]);
  });

  it('trades of a perpetual and of an option: price and amount as written, taker side', () => {
    expect(parseDeribitFrame(frame('trades'))).toEqual([
      { kind: 'trade', market: 'BTC-PERPETUAL', tradeId: '48079269', price: '8950', size: '10', side: 'sell', exchangeTime: 1590484512188000 },
    ]);
    expect(parseDeribitFrame(frame('optionTrades'))).toEqual([
      { kind: 'trade', market: 'BTC-27MAY20-9000-C', tradeId: '48079289', price: '0.0075', size: '3', side: 'sell', exchangeTime: 1590484589306000 },
    ]);
  });
});

describe('deribit replies and heartbeats', () => {
  it('test_request asks for public/test in answer; a plain heartbeat does not', () => {
    expect(parseDeribitFrame('{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}')).toEqual([{ kind: 'heartbeat', reply: PUBLIC_TEST }]);
    expect(JSON.parse(PUBLIC_TEST)).toMatchObject({ jsonrpc: '2.0', method: 'public/test' });
    expect(parseDeribitFrame('{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}')).toEqual([{ kind: 'heartbeat' }]);
  });

  it('documented replies: set_heartbeat and public/test are acks; an error object is an exchange error of its request', () => {
    expect(parseDeribitFrame(frame('setHeartbeatReply'))).toEqual([{ kind: 'ack', id: 1569 }]);
    expect(parseDeribitFrame(frame('testReply'))).toEqual([{ kind: 'ack', id: 8212 }]);
    expect(parseDeribitFrame(frame('errorReply'))).toEqual([{ kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'Deribit error 13009: invalid_token', id: 42 }]);
  });

  it('rate limit is transient, an unsupported instrument permanent; a subscribe that took no channel is refused', () => {
    const err = (code: number, message: string): WireMessage[] => parseDeribitFrame(`{"jsonrpc":"2.0","id":7,"error":{"code":${code},"message":"${message}"}}`);
    expect(err(10028, 'too_many_requests')[0]).toMatchObject({ kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', id: 7 });
    expect(err(10020, 'invalid_or_unsupported_instrument')[0]).toMatchObject({ kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', id: 7 });
    expect(parseDeribitFrame('{"jsonrpc":"2.0","id":3997,"result":[]}')).toEqual([{ kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', message: expect.any(String), id: 3997 }]);
    expect(parseDeribitFrame('{"jsonrpc":"2.0","id":9613,"result":["book.ETH-PERPETUAL.100ms"]}')).toEqual([{ kind: 'ack', id: 9613 }]);
  });

  it('subscribe: set_heartbeat first, then one request per instrument, its channels at 100ms; unsubscribe likewise', () => {
    let id = 5;
    const streams = [
      { market: 'BTC-PERPETUAL', channel: 'book' as const },
      { market: 'ETH-27DEC24-3000-C', channel: 'trades' as const },
      { market: 'BTC-PERPETUAL', channel: 'ticker' as const },
    ];
    const msgs = deribitAdapter.subscribe(streams, ctx, () => id++).map((m) => JSON.parse(m));
    expect(msgs).toEqual([
      { jsonrpc: '2.0', id: 0, method: 'public/set_heartbeat', params: { interval: 10 } },
      { jsonrpc: '2.0', id: 5, method: 'public/subscribe', params: { channels: ['book.BTC-PERPETUAL.100ms', 'ticker.BTC-PERPETUAL.100ms'] } },
      { jsonrpc: '2.0', id: 6, method: 'public/subscribe', params: { channels: ['trades.ETH-27DEC24-3000-C.100ms'] } },
    ]);
    expect(deribitAdapter.unsubscribe([{ market: 'BTC-PERPETUAL', channel: 'ticker' }], ctx, () => 9).map((m) => JSON.parse(m))).toEqual([
      { jsonrpc: '2.0', id: 9, method: 'public/unsubscribe', params: { channels: ['ticker.BTC-PERPETUAL.100ms'] } },
    ]);
    expect(deribitAdapter.wsUrl(deribitAdapter.defaultEndpoints)).toBe('wss://www.deribit.com/ws/api/v2');
  });
});

describe('deribit instruments and symbols', () => {
  it('the documented option: unified symbol, coin-amount sizes, precisions and contract size from the raw numbers', () => {
    const result = frame('instrumentOption').replace(/^\{"jsonrpc":"2.0","id":2,"result":/, '').replace(/\}$/, '');
    const [inst] = deribitAdapter.parseInstruments(`{"jsonrpc":"2.0","id":2,"result":[${result}]}`);
    expect(inst).toEqual({
      market: 'BTC-13JAN23-16000-P',
      symbol: 'BTC/USD:BTC-230113-16000-P',
      base: 'BTC',
      quote: 'USD',
      trading: true,
      sizeUnit: 'BTC',
      pricePrecision: 4,
      qtyPrecision: 1,
      contractValue: '1',
      // instrument facts, as the documented reply gives them
      kind: 'option',
      settle: 'BTC',
      tickSize: '0.0005',
      minSize: '0.1',
      expiry: 1673596800000000,
      strike: '16000',
      optionType: 'put',
    });
  });

  it('perpetuals, futures and linear instruments as the simulator lists them: symbols and size units', () => {
    const list = ['BTC/USD:BTC', 'BTC/USD:BTC-241227', 'ETH/USD:ETH-241227-3000-C', 'SOL/USDC:USDC', 'ETH/USDT'].map((s) => instrumentJson(deribitInstrumentFor(s), 1, 0));
    const got = deribitAdapter.parseInstruments(`{"jsonrpc":"2.0","result":${jsonWithNumbers(list)}}`);
    expect(got.map((i) => [i.market, i.symbol, i.sizeUnit])).toEqual([
      ['BTC-PERPETUAL', 'BTC/USD:BTC', 'USD'],
      ['BTC-27DEC24', 'BTC/USD:BTC-241227', 'USD'],
      ['ETH-27DEC24-3000-C', 'ETH/USD:ETH-241227-3000-C', 'ETH'],
      ['SOL_USDC-PERPETUAL', 'SOL/USDC:USDC', 'SOL'],
      ['ETH_USDT', 'ETH/USDT', 'ETH'],
    ]);
  });

  it('toMarket: instrument names pass through; unified symbols are spelled the Deribit way', () => {
    for (const name of ['BTC-PERPETUAL', 'ETH-27DEC24-3000-C', 'SOL_USDC-PERPETUAL']) expect(deribitAdapter.toMarket(name)).toBe(name);
    expect(deribitMarket('BTC/USD:BTC')).toBe('BTC-PERPETUAL');
    expect(deribitMarket('BTC/USD:BTC-240105')).toBe('BTC-5JAN24');
    expect(deribitMarket('ETH/USD:ETH-241227-3000-C')).toBe('ETH-27DEC24-3000-C');
    expect(deribitMarket('SOL/USDC:USDC')).toBe('SOL_USDC-PERPETUAL');
    expect(deribitMarket('XRP/USDC:USDC-241227-0.5-P')).toBe('XRP_USDC-27DEC24-0d5-P');
    expect(deribitMarket('BTC/USDT')).toBe('BTC_USDT'); // spot
  });
});
