/**
 * Per-IP limits are per host: the connections of every exchange id on one host (Binance spot and its companion
 * path, say) share one connect-rate window and one outgoing-message window. One instance per hub.
 */
import type { ConnectionOptions } from '../connection/index.js';
import type { ExchangeAdapter } from '../exchanges/types.js';
import { RateWindow, SENT_WINDOW_MS } from '../util/rate-window.js';

export type SharedLimits = NonNullable<ConnectionOptions['shared']>;

export function hostLimits(): (wsOrigin: string, limits: ExchangeAdapter['limits']) => SharedLimits {
  const byHost = new Map<string, SharedLimits>();
  return (wsOrigin, limits) => {
    const host = new URL(wsOrigin).host;
    let shared = byHost.get(host);
    if (shared === undefined) {
      shared = {
        ...(limits.connectionsPerSecond ? { connects: new RateWindow(limits.connectionsPerSecond) } : {}),
        ...(limits.hostMessagesPerSecond ? { messages: new RateWindow(limits.hostMessagesPerSecond, SENT_WINDOW_MS) } : {}),
      };
      byHost.set(host, shared);
    }
    return shared;
  };
}
