/**
 * The embedded API: `stream(options)` → a typed Observable of normalized events. Each call opens its own
 * connections when first subscribed, shared among its subscribers; when the last subscriber leaves, the sockets
 * close.
 */
import { Observable, share } from 'rxjs';
import type { MarketEvent } from '../schema/events.js';
import { parseConfig, splitMarketRef, type TickwireConfigInput } from '../config.js';
import { Hub, type HubDeps } from '../pipeline/hub.js';

export interface StreamOptions extends TickwireConfigInput, HubDeps {
  /** Called with the running hub (books, health, dynamic add/remove) once subscribed. */
  onHub?: (hub: Hub) => void;
}

export function stream(options: StreamOptions): Observable<MarketEvent> {
  const { scheduler, clock, logger, createConnection, http, adapters, onHub, ...input } = options;
  const config = parseConfig(input); // fails fast, before anything connects
  const deps: HubDeps = {
    ...(scheduler ? { scheduler } : {}),
    ...(clock ? { clock } : {}),
    ...(logger ? { logger } : {}),
    ...(createConnection ? { createConnection } : {}),
    ...(http ? { http } : {}),
    ...(adapters ? { adapters } : {}),
  };
  return new Observable<MarketEvent>((subscriber) => {
    const hub = new Hub(config, deps);
    const sub = hub.events$.subscribe(subscriber);
    onHub?.(hub);
    for (const ref of config.markets) {
      const { exchange, symbol } = splitMarketRef(ref);
      void hub.add(exchange, symbol, config.channels);
    }
    return () => {
      sub.unsubscribe();
      hub.close();
    };
  }).pipe(share());
}
