/**
 * Coinbase Advanced Trade frames (docs/protocols/coinbase.md#advanced-trade), rendered by the simulator: the envelope
 * every frame shares, and the events of `l2_data`, `ticker`, `market_trades`, `heartbeats` and `subscriptions`.
 */
import type { Level } from '../schema/events.js';
import { iso, type SimProduct } from './coinbase-common.js';
import type { SimMarket } from './market.js';

/** A frame: `events` on `channel` with the connection's `sequence_num`. */
export function envelope(channel: string, sequenceNum: number, events: unknown[]): string {
  return JSON.stringify({ channel, client_id: '', timestamp: iso(Date.now()), sequence_num: sequenceNum, events });
}

/** The bare error frame (`reason` only where there is one). */
export function errorFrame(message: string, reason?: string): string {
  return JSON.stringify(reason === undefined ? { type: 'error', message } : { type: 'error', message, reason });
}

/** Book levels as `l2_data` updates, asks as `"offer"`. */
export function l2Updates(bids: readonly Level[], asks: readonly Level[], eventTime: string): unknown[] {
  const u = (side: string) => (l: Level) => ({ side, event_time: eventTime, price_level: l[0], new_quantity: l[1] });
  return [...bids.map(u('bid')), ...asks.map(u('offer'))];
}

/** The `ticker` of `p` from its market now; undefined while a side of the book is empty. */
export function tickerFields(p: SimProduct, market: SimMarket): Record<string, string> | undefined {
  const best = market.best(p.spec.symbol);
  if (best.bid === undefined || best.ask === undefined) return undefined;
  const st = market.stats(p.spec.symbol);
  return {
    type: 'ticker',
    product_id: p.native,
    price: st.last,
    volume_24_h: st.volume,
    low_24_h: st.low,
    high_24_h: st.high,
    low_52_w: st.low,
    high_52_w: st.high,
    price_percent_chg_24_h: st.priceChangePercent,
    best_bid: best.bid[0],
    best_bid_quantity: best.bid[1],
    best_ask: best.ask[0],
    best_ask_quantity: best.ask[1],
  };
}

/** A `market_trades` trade. */
export function tradeWire(p: SimProduct, t: SimProduct['recentTrades'][number]): Record<string, string> {
  // `side` on the wire is the MAKER's side: the opposite of the taker
  return { trade_id: String(t.id), product_id: p.native, price: t.price, size: t.size, side: t.takerSide === 'buy' ? 'SELL' : 'BUY', time: iso(t.time) };
}

/** A `heartbeats` event. */
export function heartbeatEvent(now: Date, counter: number): Record<string, string> {
  return { current_time: `${now.toISOString().replace('T', ' ').replace('Z', '')} +0000 UTC`, heartbeat_counter: String(counter) };
}

/** The `subscriptions` event listing a connection's topics (`channel:product`) by channel. */
export function subscriptionsEvent(topics: Iterable<string>): { subscriptions: Record<string, string[]> } {
  const subs: Record<string, string[]> = {};
  for (const t of topics) {
    const [ch = t, id] = t.split(':');
    (subs[ch] ??= []).push(id ?? ch);
  }
  return { subscriptions: subs };
}
