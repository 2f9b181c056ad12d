/**
 * The hub's own verified books, handed out read-only: after each book event of a local hub, the book it applies to
 * (a `ReadonlyOrderBook` view of the hub's book — no second copy, no delta applied twice) with its trust state. Same
 * trust semantics as `books()`: untrusted from `syncing`/`resyncing` until the book is `live` again; while untrusted
 * the view reads as the hub's book does (cleared, waiting for a snapshot), never a stale book presented as good.
 */
import { Observable } from 'rxjs';
import type { ExchangeId, MarketEvent } from '../schema/events.js';
import type { BookSync } from '../book/book-sync.js';
import { BookReader, type ReadonlyOrderBook } from '../book/book-reader.js';
import type { Hub } from '../pipeline/hub.js';

/** One maintained book of a local hub, as of the event that was just applied. */
export interface LiveBook {
  readonly exchange: ExchangeId;
  readonly symbol: string;
  /** Read-only view of the hub's verified book: reads always give its current state. */
  readonly book: ReadonlyOrderBook;
  /** True while the hub's book is `live` (verified); false from a `syncing`/`resyncing` until the next `live`. */
  readonly trusted: boolean;
  /** Exchange update id the book is at (undefined while not trusted). */
  readonly updateId: number | undefined;
  /**
   * The event this update is for (a `book_snapshot`, a `book_delta` or a book `status`) while it is delivered —
   * undefined once the subscribers returned: the view does not keep the event (its levels) alive, so holding a
   * `LiveBook` costs no garbage-collector work per update. Copy what you need from it in the callback.
   */
  readonly event: MarketEvent | undefined;
}

class Entry implements LiveBook {
  #sync: BookSync | undefined;
  readonly book: ReadonlyOrderBook;
  event: MarketEvent | undefined = undefined;

  constructor(
    readonly exchange: ExchangeId,
    readonly symbol: string,
    sync: BookSync | undefined,
  ) {
    this.#sync = sync;
    this.book = new BookReader(() => this.#sync?.book);
  }

  attach(sync: BookSync | undefined): void {
    this.#sync = sync;
  }

  get attached(): boolean {
    return this.#sync !== undefined;
  }

  get trusted(): boolean {
    return this.#sync !== undefined && this.#sync.state === 'live';
  }

  get updateId(): number | undefined {
    return this.trusted ? this.#sync!.updateId : undefined;
  }
}

/** Status states after which a book consumer must re-check trust (the ones `books()` reports too). */
const TRUST_STATES = new Set(['syncing', 'resyncing', 'error', 'gap']);

/**
 * `events`: a stream of that hub's events (subscribing to it keeps the hub running); `hub`: the hub once running.
 * One `LiveBook` object per book, updated in place and emitted again after each of its events.
 */
export function liveBooksOf(events: Observable<MarketEvent>, hub: () => Hub | undefined): Observable<LiveBook> {
  return new Observable<LiveBook>((subscriber) => {
    const entries = new Map<ExchangeId, Map<string, Entry>>();
    const syncOf = (exchange: ExchangeId, symbol: string): BookSync | undefined => hub()?.book(exchange, symbol)?.sync;
    const entry = (e: MarketEvent & { symbol: string }, refresh: boolean): Entry | undefined => {
      let bySymbol = entries.get(e.exchange);
      if (bySymbol === undefined) entries.set(e.exchange, (bySymbol = new Map()));
      let m = bySymbol.get(e.symbol);
      if (m === undefined) {
        const sync = syncOf(e.exchange, e.symbol);
        if (sync === undefined) return undefined;
        bySymbol.set(e.symbol, (m = new Entry(e.exchange, e.symbol, sync)));
      } else if (refresh || !m.attached) {
        // a book removed and added again has a new sync: look it up again on each status and snapshot (both rare)
        m.attach(syncOf(e.exchange, e.symbol));
      }
      return m;
    };
    /** Deliver `m` for `e`: the event is set for the subscribers' callbacks only (see LiveBook.event). */
    const deliver = (m: Entry, e: MarketEvent): void => {
      m.event = e;
      try {
        subscriber.next(m);
      } finally {
        m.event = undefined;
      }
    };
    return events.subscribe({
      next(e) {
        if (e.type === 'book_delta' || e.type === 'book_snapshot') {
          const m = entry(e, e.type === 'book_snapshot');
          if (m !== undefined) deliver(m, e);
          return;
        }
        if (e.type !== 'status' || e.symbol === undefined || (e.channel !== undefined && e.channel !== 'book')) return;
        if (!TRUST_STATES.has(e.state)) return;
        const m = entry(e as MarketEvent & { symbol: string }, true);
        if (m !== undefined) deliver(m, e);
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
  });
}
