/**
 * The embedded API: `stream(options)` → a typed Observable of normalized events. Each call opens its own
 * connections when first subscribed, shared among its subscribers; when the last subscriber leaves, the sockets
 * close. With `record`, everything the pipeline receives is also written to a recording (see `replay()`).
 */
import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import type { MarketEvent } from '../schema/events.js';
import { parseConfig, splitMarketRef, type TickwireConfigInput } from '../config.js';
import { Hub, type HubDeps } from '../pipeline/hub.js';
import { Recorder, type RecordOptions } from '../record/recorder.js';
import { liveBooksOf, type LiveBook } from './live-books.js';

/**
 * What `stream()` returns: the events, plus `books()` — the hub's own verified books, read-only, after each book
 * event (shares the connections with the other subscribers of this stream).
 */
export class TickwireStream extends Observable<MarketEvent> {
  readonly #hub: () => Hub | undefined;

  constructor(subscribe: (subscriber: Subscriber<MarketEvent>) => TeardownLogic, hub: () => Hub | undefined) {
    super(subscribe);
    this.#hub = hub;
  }

  /**
   * The maintained books of this stream, read-only views of the books the hub verifies: no second copy (unlike
   * `pipe(books())`, which rebuilds every book from the events — use that for events that do not come from a local
   * hub: NATS, a recording, a remote server). Untrusted from a `syncing`/`resyncing` until the next `live`.
   */
  books(): Observable<LiveBook> {
    return liveBooksOf(this, this.#hub);
  }
}

export interface StreamRecordOptions extends RecordOptions {
  /** Called once the recording is flushed to disk after the last subscriber left (with the error, if any). */
  onClosed?: (err?: Error) => void;
}

export interface StreamOptions extends TickwireConfigInput, Omit<HubDeps, 'levelSpans'> {
  /** Called with the running hub (books, health, dynamic add/remove) once subscribed. */
  onHub?: (hub: Hub) => void;
  /** Record raw frames, REST responses and timer firings to this file while streaming (replay it with `replay()`). */
  record?: StreamRecordOptions;
}

export function stream(options: StreamOptions): TickwireStream {
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
  // Shared among subscribers by reference count (as `share()` would, without its extra Subject per event): the first
  // subscriber starts a hub, later ones join its hot stream, the last one leaving closes it; a later subscriber
  // starts a new one.
  let shared: { hub: Hub; recorder: Recorder | undefined; refs: number } | undefined;
  return new TickwireStream((subscriber) => {
    let s = shared;
    const first = s === undefined;
    if (s === undefined) {
      const recorder = record ? new Recorder(config, record, deps) : undefined;
      const hub = new Hub(config, recorder ? { ...recorder.deps, ...(logger ? { logger } : {}), ...(adapters ? { adapters } : {}) } : deps);
      s = shared = { hub, recorder, refs: 0 };
    }
    s.refs++;
    const sub = s.hub.events$.subscribe(subscriber);
    if (first) {
      onHub?.(s.hub);
      for (const ref of config.markets) {
        const { exchange, symbol } = splitMarketRef(ref);
        void s.hub.add(exchange, symbol, config.channels);
      }
    }
    const mine = s;
    return () => {
      sub.unsubscribe();
      if (--mine.refs > 0) return;
      if (shared === mine) shared = undefined;
      mine.hub.close();
      if (mine.recorder) {
        mine.recorder.close().then(
          () => record?.onClosed?.(),
          (err: unknown) => record?.onClosed?.(err instanceof Error ? err : new Error(String(err))),
        );
      }
    };
  }, () => shared?.hub);
}
