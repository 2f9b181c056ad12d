/**
 * The adapter registry: one loader per exchange, typed over the const tuple of exchange ids, so a missing adapter
 * shows up here. An adapter's module (its parsers, its zod wire schemas) is imported when a hub first needs that
 * exchange, not with tickwire: an application that streams one exchange neither loads nor keeps the other ones
 * (what module loading leaves alive decides how large V8 grows its young generation — bench/README.md).
 */
import { EXCHANGE_IDS, type ExchangeId } from '../schema/events.js';
import type { ExchangeAdapter } from './types.js';

/** The keyless adapter of each exchange, loaded on call (the module system loads each module once). */
const LOADERS: Readonly<Record<ExchangeId, () => Promise<ExchangeAdapter>>> = {
  binance: async () => (await import('./binance/index.js')).binanceAdapter,
  'binance-futures': async () => (await import('./binance/futures.js')).binanceFuturesAdapter,
  'binance-delivery': async () => (await import('./binance/delivery.js')).binanceDeliveryAdapter,
  coinbase: async () => (await import('./coinbase/advanced-trade.js')).coinbaseAdapter,
  'coinbase-exchange': async () => (await import('./coinbase/exchange.js')).coinbaseExchangeAdapter,
  kraken: async () => (await import('./kraken/index.js')).krakenAdapter,
  bybit: async () => (await import('./bybit/index.js')).bybitAdapter,
  'bybit-linear': async () => (await import('./bybit/index.js')).bybitLinearAdapter,
  okx: async () => (await import('./okx/index.js')).okxAdapter,
  'okx-swap': async () => (await import('./okx/index.js')).okxSwapAdapter,
  deribit: async () => (await import('./deribit/index.js')).deribitAdapter,
  gateio: async () => (await import('./gateio/index.js')).gateioAdapter,
};

/** The keyless adapter of `id`, its module loaded on first call. */
export function loadAdapter(id: ExchangeId): Promise<ExchangeAdapter> {
  return LOADERS[id]();
}

/** Every keyless adapter (loads all of them). */
export async function loadAdapters(): Promise<Record<ExchangeId, ExchangeAdapter>> {
  const loaded = await Promise.all(EXCHANGE_IDS.map(loadAdapter));
  return Object.fromEntries(EXCHANGE_IDS.map((id, i) => [id, loaded[i]!])) as Record<ExchangeId, ExchangeAdapter>;
}

/**
 * The adapters that credentials from the environment change, to pass as `adapters` (the others stay keyless and
 * load on first use): Coinbase's signed `level2` / JWT ones when the `TICKWIRE_COINBASE_*` variables or
 * `TICKWIRE_SECRETS_FILE` are set — none otherwise. Rejects on partial credentials.
 */
export async function adaptersFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  readFile?: (path: string) => string,
): Promise<Partial<Record<ExchangeId, ExchangeAdapter>>> {
  return (await import('./coinbase/from-env.js')).coinbaseAdaptersFromEnv(env, readFile);
}
