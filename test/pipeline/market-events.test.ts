import { describe, expect, it } from 'vitest';
import { mergeTicker, tickerEvent, tradeEvent } from '../../src/pipeline/market-events.js';
import { MarketEvent } from '../../src/schema/events.js';
import type { TickerFields, WireMessage } from '../../src/exchanges/types.js';

type Ticker = Extract<WireMessage, { kind: 'ticker' }>;

describe('ticker merging and trade events', () => {
  it('merges partial ticker updates (bookTicker + 24 h ticker) so every event carries every field known so far', () => {
    const a: Ticker = { kind: 'ticker', market: 'BTCUSDT', exchangeTime: 5, fields: { bidPrice: '1.5', bidSize: '2', askPrice: '1.6', askSize: '3' } };
    const b: Ticker = { kind: 'ticker', market: 'BTCUSDT', fields: { last: '1.55', bidPrice: '1.51' } };
    let state: TickerFields | undefined;
    state = mergeTicker(state, a);
    const e1 = tickerEvent('binance', 'BTC/USDT', 'BTCUSDT', state, a, 10, undefined);
    state = mergeTicker(state, b);
    const e2 = tickerEvent('binance', 'BTC/USDT', 'BTCUSDT', state, b, 11, 'BTC');
    expect(e1).toEqual({ type: 'ticker', exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', exchangeTime: 5, localTime: 10, bidPrice: '1.5', bidSize: '2', askPrice: '1.6', askSize: '3' });
    expect(e2).toEqual({ type: 'ticker', exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', localTime: 11, bidPrice: '1.51', bidSize: '2', askPrice: '1.6', askSize: '3', last: '1.55', sizeUnit: 'BTC' });
    expect(a.fields.bidPrice).toBe('1.5'); // the message itself is not changed
    for (const e of [e1, e2]) expect(() => MarketEvent.parse({ ...e, seq: 1, epoch: 'x' })).not.toThrow();
  });

  it('a trade event keeps the decimal strings and ids as received', () => {
    const t = tradeEvent('okx', 'BTC/USDT', 'BTC-USDT', { kind: 'trade', market: 'BTC-USDT', tradeId: '42', price: '67000.10', size: '0.00100000', side: 'sell' }, 7, undefined);
    expect(t).toEqual({ type: 'trade', exchange: 'okx', symbol: 'BTC/USDT', market: 'BTC-USDT', localTime: 7, tradeId: '42', price: '67000.10', size: '0.00100000', side: 'sell' });
    expect(() => MarketEvent.parse({ ...t, seq: 1, epoch: 'x' })).not.toThrow();
  });
});
