/**
 * The Coinbase adapters. The registry holds the keyless ones; `coinbaseAdaptersFromEnv` builds them with
 * credentials from the environment or the secrets file (see auth.ts), for the CLI / hub to use instead.
 */
import type { ExchangeAdapter } from '../types.js';
import { createAdvancedTradeAdapter } from './advanced-trade.js';
import { loadAdvancedTradeCredentials, loadExchangeCredentials } from './auth.js';
import { createExchangeFeedAdapter } from './exchange.js';

export { coinbaseAdapter, createAdvancedTradeAdapter } from './advanced-trade.js';
export { coinbaseExchangeAdapter, createExchangeFeedAdapter } from './exchange.js';
export { ENV as COINBASE_ENV } from './auth.js';

/** Both adapters, signed where credentials are configured (keyless otherwise). Fails fast on partial credentials. */
export function coinbaseAdaptersFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  readFile?: (path: string) => string,
): { coinbase: ExchangeAdapter; 'coinbase-exchange': ExchangeAdapter } {
  const at = loadAdvancedTradeCredentials(env, readFile);
  const ex = loadExchangeCredentials(env, readFile);
  return {
    coinbase: createAdvancedTradeAdapter(at === undefined ? {} : { credentials: at }),
    'coinbase-exchange': createExchangeFeedAdapter(ex === undefined ? {} : { credentials: ex }),
  };
}
