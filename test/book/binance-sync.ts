/** A BookSync of Binance spot's BTC/USDT with Binance's real book rules, for the BookSync model tests in this folder. */
import { BookSync } from '../../src/book/book-sync.js';
import { binanceSpotBookRules } from '../../src/exchanges/binance/index.js';
import type { UnstampedEvent } from '../../src/schema/events.js';

/** Started at t = 0, subscribed to 1000 levels, emitting into `events`; no resubscribe (Binance never asks for one). */
export function binanceBtcSync(events: UnstampedEvent[], o: { requestSnapshot?: () => void; maxBuffer?: number } = {}): BookSync {
  const sync = new BookSync({
    exchange: 'binance',
    symbol: 'BTC/USDT',
    market: 'BTCUSDT',
    rules: binanceSpotBookRules,
    subscribedDepth: 1000,
    requestSnapshot: o.requestSnapshot ?? (() => {}),
    requestResubscribe: () => {},
    emit: (e) => events.push(e),
    ...(o.maxBuffer !== undefined ? { maxBuffer: o.maxBuffer } : {}),
  });
  sync.start(0);
  return sync;
}
