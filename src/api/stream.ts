/**
 * The embedded API: `stream(options)` → a typed Observable of normalized events. Each call opens its own
 * connections when first subscribed, shared among its subscribers; when the last subscriber leaves, the sockets
 * close. With `record`, everything the pipeline receives is also written to a recording (see `replay()`).
 */
import { Observable, share } from 'rxjs';
import type { MarketEvent } from '../schema/events.js';
import { parseConfig, splitMarketRef, type TickwireConfigInput } from '../config.js';
import { Hub, type HubDeps } from '../pipeline/hub.js';
import { Recorder, type RecordOptions } from '../record/recorder.js';

export interface StreamRecordOptions extends RecordOptions {
  /** Called once the recording is flushed to disk after the last subscriber left (with the error, if any). */
  onClosed?: (err?: Error) => void;
}

export interface StreamOptions extends TickwireConfigInput, HubDeps {
  /** Called with the running hub (books, health, dynamic add/remove) once subscribed. */
  onHub?: (hub: Hub) => void;
  /** Record raw frames, REST responses and timer firings to this file while streaming (replay it with `replay()`). */
  record?: StreamRecordOptions;
}

export function stream(options: StreamOptions): Observable<MarketEvent> {
  const { scheduler, clock, logger, createConnection, http, random, adapters, onHub, record, ...input } = options;
  const config = parseConfig(input); // fails fast, before anything connects
  const deps: HubDeps = {
    ...(scheduler ? { scheduler } : {}),
    ...(clock ? { clock } : {}),
    ...(logger ? { logger } : {}),
    ...(createConnection ? { createConnection } : {}),
    ...(http ? { http } : {}),
    ...(random ? { random } : {}),
    ...(adapters ? { adapters } : {}),
  };
  return new Observable<MarketEvent>((subscriber) => {
    const recorder = record ? new Recorder(config, record, deps) : undefined;
    const hub = new Hub(config, recorder ? { ...recorder.deps, ...(logger ? { logger } : {}) } : deps);
    const sub = hub.events$.subscribe(subscriber);
    onHub?.(hub);
    for (const ref of config.markets) {
      const { exchange, symbol } = splitMarketRef(ref);
      void hub.add(exchange, symbol, config.channels);
    }
    return () => {
      sub.unsubscribe();
      hub.close();
      if (recorder) {
        recorder.close().then(
          () => record?.onClosed?.(),
          (err: unknown) => record?.onClosed?.(err instanceof Error ? err : new Error(String(err))),
        );
      }
    };
  }).pipe(share());
}
