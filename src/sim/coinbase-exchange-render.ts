/** Coinbase Exchange feed frames (docs/protocols/coinbase.md#exchange), rendered by the simulator: pure string builders. */
import type { Level } from '../schema/events.js';
import { iso, type SimProduct } from './coinbase-common.js';

/** Book levels as l2update `changes`: `[side, price, size]`, bids as `buy`, asks as `sell`. */
export function l2changes(bids: readonly Level[], asks: readonly Level[]): [string, string, string][] {
  return [...bids.map((l): [string, string, string] => ['buy', l[0], l[1]]), ...asks.map((l): [string, string, string] => ['sell', l[0], l[1]])];
}

export function l2update(p: SimProduct, changes: [string, string, string][], time: number): string {
  return JSON.stringify({ type: 'l2update', product_id: p.native, changes, time: iso(time) });
}

/** A `match` (or the `last_match` sent on subscribe) of trade `t`. */
export function matchWire(p: SimProduct, t: SimProduct['recentTrades'][number], type: 'match' | 'last_match'): string {
  return JSON.stringify({
    type,
    trade_id: t.id,
    maker_order_id: `sim-maker-${t.id}`,
    taker_order_id: `sim-taker-${t.id}`,
    // `side` is the MAKER's side: the opposite of the taker
    side: t.takerSide === 'buy' ? 'sell' : 'buy',
    size: t.size,
    price: t.price,
    product_id: p.native,
    sequence: p.sequence,
    time: iso(t.time),
  });
}
