/**
 * The adapter registry: one line per exchange. Typed over the const tuple of exchange ids, so a missing adapter
 * shows up here.
 */
import type { ExchangeId } from '../schema/events.js';
import type { ExchangeAdapter } from './types.js';
import { binanceAdapter, binanceDeliveryAdapter, binanceFuturesAdapter } from './binance/index.js';
import { coinbaseAdapter } from './coinbase/advanced-trade.js';
import { coinbaseExchangeAdapter } from './coinbase/exchange.js';
import { krakenAdapter } from './kraken/index.js';
import { bybitAdapter, bybitLinearAdapter } from './bybit/index.js';
import { okxAdapter, okxSwapAdapter } from './okx/index.js';
import { deribitAdapter } from './deribit/index.js';
import { coinbaseAdaptersFromEnv } from './coinbase/index.js';
import { gateioAdapter } from './gateio/index.js';

/** Keyless adapters, total over `EXCHANGE_IDS`: a missing one is a compile error. */
export const adapters: Record<ExchangeId, ExchangeAdapter> = {
  binance: binanceAdapter,
  'binance-futures': binanceFuturesAdapter,
  'binance-delivery': binanceDeliveryAdapter,
  coinbase: coinbaseAdapter,
  'coinbase-exchange': coinbaseExchangeAdapter,
  kraken: krakenAdapter,
  bybit: bybitAdapter,
  'bybit-linear': bybitLinearAdapter,
  okx: okxAdapter,
  'okx-swap': okxSwapAdapter,
  deribit: deribitAdapter,
  gateio: gateioAdapter,
};

export function adapterFor(id: ExchangeId): ExchangeAdapter {
  return adapters[id];
}

/**
 * The registry with credentials applied from the environment (Coinbase: signed `level2` / JWT when the
 * `TICKWIRE_COINBASE_*` variables or `TICKWIRE_SECRETS_FILE` are set). Fails fast on partial credentials.
 */
export function adaptersFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  readFile?: (path: string) => string,
): Record<ExchangeId, ExchangeAdapter> {
  return { ...adapters, ...coinbaseAdaptersFromEnv(env, readFile) };
}
