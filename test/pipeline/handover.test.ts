/**
 * MarketHandover's switch rules (make-before-break), for the orders of arrival the simulator does not produce on its
 * own (it writes every frame to the old connection first): a replacement ahead of the old book continues the
 * consumer's chain with exactly the held deltas after the old book's id; trades either connection delivered are
 * emitted once.
 */
import { describe, expect, it } from 'vitest';
import { MarketHandover, type HeldDelta, type HeldTrade } from '../../src/pipeline/handover.js';
import type { BookDriver } from '../../src/pipeline/book-driver.js';

function shadow(state: string, updateId: number | undefined): BookDriver {
  return { state, sync: { updateId } } as unknown as BookDriver;
}

const delta = (first: number, last: number): HeldDelta => ({
  type: 'book_delta',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  market: 'BTCUSDT',
  localTime: last,
  integrity: 'chained',
  firstUpdateId: first,
  updateId: last,
  bids: [[`${last}.00`, '1']],
  asks: [],
});

const trade = (id: number): HeldTrade => ({
  type: 'trade',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  market: 'BTCUSDT',
  localTime: id,
  tradeId: String(id),
  price: '1.00',
  size: '1',
  side: 'buy',
});

/** A shadow that went live from a snapshot at `from` and then received deltas up to `to` (one id each). */
function heldFrom(from: number, to: number): MarketHandover {
  const mh = new MarketHandover('BTCUSDT');
  mh.hold({ type: 'book_snapshot', exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', localTime: 0, integrity: 'chained', updateId: from, bids: [], asks: [] });
  for (let id = from + 1; id <= to; id++) mh.hold(delta(id, id));
  mh.shadow = shadow('live', to);
  return mh;
}

describe('MarketHandover.plan', () => {
  it('replacement ahead: the chain continues with exactly the held deltas after the old book id', () => {
    const plan = heldFrom(100, 110).plan('live', 104);
    expect(plan.kind).toBe('chain');
    expect(plan.kind === 'chain' && plan.deltas.map((d) => d.updateId)).toEqual([105, 106, 107, 108, 109, 110]);
  });

  it('both at the same id: switch with nothing to replay', () => {
    expect(heldFrom(100, 110).plan('live', 110)).toEqual({ kind: 'chain', deltas: [] });
  });

  it('replacement behind, or live only after the old book id, or not live: wait', () => {
    expect(heldFrom(100, 110).plan('live', 111).kind).toBe('wait');
    expect(heldFrom(100, 110).plan('live', 99).kind).toBe('wait');
    const syncing = heldFrom(100, 110);
    syncing.shadow = shadow('syncing', undefined);
    expect(syncing.plan('live', 105).kind).toBe('wait');
  });

  it('ids that cannot be aligned (none, or the old book not live): a fresh snapshot', () => {
    expect(heldFrom(100, 110).plan('resyncing', 105).kind).toBe('snapshot');
    const noIds = new MarketHandover('BTCUSDT');
    noIds.hold({ type: 'book_snapshot', exchange: 'kraken', symbol: 'BTC/USDT', market: 'BTC/USD', localTime: 0, integrity: 'checksum', bids: [], asks: [] });
    noIds.shadow = shadow('live', undefined);
    expect(noIds.plan('live', undefined).kind).toBe('snapshot');
  });

  it('a shadow resynced meanwhile holds only the deltas after its new snapshot', () => {
    const mh = heldFrom(100, 110);
    mh.hold({ type: 'book_snapshot', exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', localTime: 0, integrity: 'chained', updateId: 200, bids: [], asks: [] });
    mh.hold(delta(201, 201));
    mh.shadow = shadow('live', 201);
    expect(mh.plan('live', 105).kind).toBe('wait'); // 106…199 are not held: the old book must reach 200 first
    const plan = mh.plan('live', 200);
    expect(plan.kind === 'chain' && plan.deltas.map((d) => d.updateId)).toEqual([201]);
  });

  it('a market without a book switches on the first data of the replacement', () => {
    const mh = new MarketHandover('BTCUSDT');
    expect(mh.plan(undefined, undefined).kind).toBe('wait');
    mh.seenData = true;
    expect(mh.plan(undefined, undefined).kind).toBe('chain');
  });
});

describe('MarketHandover trades', () => {
  it('each trade once: held ones the old connection missed at the switch, later ones it already had skipped', () => {
    const mh = new MarketHandover('BTCUSDT');
    for (const id of [1, 2, 3]) mh.noteOldTrade(String(id));
    // the replacement is ahead: it has 2…5 before the switch
    for (const id of [2, 3, 4, 5]) expect(mh.onNewTrade(trade(id))).toBeUndefined();
    mh.noteOldTrade('4'); // the old connection delivered 4 meanwhile
    mh.done = true;
    expect(mh.takeTrades().map((t) => t.tradeId)).toEqual(['5']);
    // after the switch: a trade the old connection delivered is not repeated, a new one passes
    expect(mh.onNewTrade(trade(4))).toBeUndefined();
    expect(mh.onNewTrade(trade(6))?.tradeId).toBe('6');
  });

  it('after the handover ended, a lagging replacement does not repeat a trade the old connection delivered', () => {
    const mh = new MarketHandover('BTCUSDT');
    mh.noteOldTrade('7');
    mh.done = true;
    expect(mh.lateTrade('7')).toBe(true);
    expect(mh.lateTrade('8')).toBe(false);
  });
});
