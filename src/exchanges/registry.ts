/**
 * The adapter registry: one line per exchange. Typed over the const tuple of exchange ids, so a missing adapter
 * shows up here.
 */
import type { ExchangeId } from '../schema/events.js';
import type { ExchangeAdapter } from './types.js';
import { binanceAdapter } from './binance.js';
import { binanceFuturesAdapter } from './binance-futures.js';
import { coinbaseAdapter } from './coinbase/advanced-trade.js';
import { coinbaseExchangeAdapter } from './coinbase/exchange.js';
import { krakenAdapter } from './kraken/index.js';
import { bybitAdapter, bybitLinearAdapter } from './bybit/index.js';
import { okxAdapter, okxSwapAdapter } from './okx/index.js';

export const adapters: Partial<Record<ExchangeId, ExchangeAdapter>> = {
  binance: binanceAdapter,
  'binance-futures': binanceFuturesAdapter,
  coinbase: coinbaseAdapter,
  'coinbase-exchange': coinbaseExchangeAdapter,
  kraken: krakenAdapter,
  bybit: bybitAdapter,
  'bybit-linear': bybitLinearAdapter,
  okx: okxAdapter,
  'okx-swap': okxSwapAdapter,
};

export function adapterFor(id: ExchangeId): ExchangeAdapter | undefined {
  return adapters[id];
}
