import { describe, expect, it } from 'vitest';
import { FrameRouter, type RouterSink } from '../../src/pipeline/frame-router.js';
import type { ConnSlot } from '../../src/pipeline/connection-pool.js';
import type { MarketState } from '../../src/pipeline/market-state.js';
import { MarketHandover } from '../../src/pipeline/handover.js';
import { StreamActivity } from '../../src/pipeline/no-data.js';
import type { BookDriver } from '../../src/pipeline/book-driver.js';
import type { Channel } from '../../src/schema/events.js';
import type { WireMessage } from '../../src/exchanges/types.js';

const slot = (id: string): ConnSlot => ({ conn: { id } }) as unknown as ConnSlot;
const A = slot('a');
const B = slot('b'); // replacing A for BTC
const C = slot('c'); // unrelated
const fakeBook = {} as BookDriver;

function market(name: string, channels: Channel[], on: ConnSlot, book = channels.includes('book')): MarketState {
  return { symbol: name, market: name, channels: new Set(channels), slot: on, ticker: undefined, derivative: undefined, book: book ? fakeBook : undefined, activity: new StreamActivity() };
}

/** A router over BTC (all channels, on A, being replaced by B) and ETH (ticker only, on A), recording the sink's calls. */
function setup(shadow: boolean) {
  const btc = market('BTC', ['book', 'ticker', 'trades', 'derivative', 'liquidations'], A);
  const eth = market('ETH', ['ticker'], A);
  const mh = new MarketHandover('BTC');
  if (shadow) mh.shadow = fakeBook;
  const markets = new Map([['BTC', btc], ['ETH', eth]]);
  const calls: Array<[string, ...unknown[]]> = [];
  const sink = new Proxy({} as RouterSink, {
    get: (_t, name: string) => (...args: unknown[]) => calls.push([name, ...args.filter((a) => a === A || a === B || a === C || a === btc || a === eth || a === mh)]),
  });
  const router = new FrameRouter({ markets, replacementFor: (s, st) => (s === B && st === btc ? mh : undefined) }, sink);
  return { router, calls, btc, eth, mh };
}

const book = (market: string): WireMessage => ({ kind: 'book', market, action: 'delta', bids: [], asks: [] });
const ticker = (market: string): WireMessage => ({ kind: 'ticker', market, fields: { bidPrice: '1' } });
const trade = (market: string): WireMessage => ({ kind: 'trade', market, tradeId: '1', price: '1', size: '1', side: 'buy' });

describe('FrameRouter', () => {
  it("routes market data on the market's own connection to its handlers, each with the market's state", () => {
    const { router, calls, btc, eth } = setup(true);
    router.route(A, book('BTC'), 1, '');
    router.route(A, ticker('ETH'), 1, '');
    router.route(A, trade('BTC'), 1, '');
    router.route(A, { kind: 'derivative', market: 'BTC', fields: {} }, 1, '');
    router.route(A, { kind: 'liquidation', market: 'BTC', side: 'buy', price: '1', size: '1' }, 1, '');
    expect(calls).toEqual([['book', A, btc], ['ticker', eth], ['trade', A, btc], ['derivative', btc], ['liquidation', btc]]);
  });

  it("routes the replacement's data of a market to the replacement handlers", () => {
    const { router, calls, btc, mh } = setup(true);
    router.route(B, book('BTC'), 1, '');
    router.route(B, ticker('BTC'), 1, '');
    router.route(B, trade('BTC'), 1, '');
    expect(calls).toEqual([['replacementBook', btc, mh], ['replacementData', btc, mh], ['replacementTrade', btc, mh]]);
    // the replacement's first ticker, derivative or liquidation data counts once (they count from the switch)
    calls.length = 0;
    router.route(B, { kind: 'derivative', market: 'BTC', fields: {} }, 1, '');
    router.route(B, { kind: 'liquidation', market: 'BTC', side: 'buy', price: '1', size: '1' }, 1, '');
    expect(calls).toEqual([['replacementData', btc, mh], ['replacementData', btc, mh]]);
    calls.length = 0;
    mh.seenData = true;
    router.route(B, ticker('BTC'), 1, '');
    router.route(B, { kind: 'derivative', market: 'BTC', fields: {} }, 1, '');
    expect(calls).toEqual([]);
  });

  it('ignores data of markets not streamed, channels not subscribed, other connections, and books without a shadow', () => {
    const { router, calls } = setup(false);
    router.route(A, book('XRP'), 1, '');
    router.route(A, book('ETH'), 1, ''); // ETH has no book
    router.route(A, trade('ETH'), 1, '');
    router.route(C, book('BTC'), 1, '');
    router.route(C, trade('BTC'), 1, '');
    router.route(B, book('BTC'), 1, ''); // replacement, but no shadow book
    expect(calls).toEqual([]);
  });

  it('passes connection-level messages with their connection', () => {
    const { router, calls } = setup(true);
    const msgs: WireMessage[] = [
      { kind: 'pong' },
      { kind: 'heartbeat' },
      { kind: 'ack', id: 1 },
      { kind: 'reconnect', reason: 'x' },
      { kind: 'sequence', value: 3 },
      { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'no' },
      { kind: 'malformed', reason: 'x' },
      { kind: 'unknown', reason: 'x' },
    ];
    for (const m of msgs) router.route(C, m, 1, 'frame');
    expect(calls).toEqual([['pong', C], ['heartbeat', C], ['ack'], ['reconnectNotice', C], ['sequence', C], ['error', C], ['malformed', C], ['unknown', C]]);
  });
});
