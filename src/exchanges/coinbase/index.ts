/**
 * The Coinbase adapters. The registry loads the keyless ones; `coinbaseAdaptersFromEnv` (./from-env.ts) builds them
 * with credentials from the environment or the secrets file (see auth.ts), for the CLI / hub to use instead.
 */
export { coinbaseAdapter, createAdvancedTradeAdapter } from './advanced-trade.js';
export { coinbaseExchangeAdapter, createExchangeFeedAdapter } from './exchange.js';
export { coinbaseAdaptersFromEnv } from './from-env.js';
export { ENV as COINBASE_ENV } from './auth.js';
