/**
 * The Coinbase adapters built with credentials from the environment or the secrets file (see auth.ts), for the CLI /
 * hub to use instead of the keyless ones. Each adapter's module is loaded only when its credentials are set.
 */
import type { ExchangeAdapter } from '../types.js';
import { loadAdvancedTradeCredentials, loadExchangeCredentials } from './auth.js';

/** The signed adapters whose credentials are configured (none without credentials). Rejects on partial credentials. */
export async function coinbaseAdaptersFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  readFile?: (path: string) => string,
): Promise<{ coinbase?: ExchangeAdapter; 'coinbase-exchange'?: ExchangeAdapter }> {
  const at = loadAdvancedTradeCredentials(env, readFile);
  const ex = loadExchangeCredentials(env, readFile);
  return {
    ...(at === undefined ? {} : { coinbase: (await import('./advanced-trade.js')).createAdvancedTradeAdapter({ credentials: at }) }),
    ...(ex === undefined ? {} : { 'coinbase-exchange': (await import('./exchange.js')).createExchangeFeedAdapter({ credentials: ex }) }),
  };
}
