/**
 * End-to-end harness: the simulator on loopback + a real tickwire hub (real sockets, real REST) + event capture,
 * books rebuilt from the emitted events (as a consumer would), and awaitable conditions (no sleeps).
 */
import { expect } from 'vitest';
import type { ExchangeId, MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { OrderBook } from '../../src/book/order-book.js';
import { startSim, type Simulator, type SimOptions } from '../../src/sim/index.js';
import { Hub, type HubDeps } from '../../src/pipeline/hub.js';
import { parseConfig, splitMarketRef, type TickwireConfig, type TickwireConfigInput } from '../../src/config.js';

export interface ConsumerBook {
  book: OrderBook;
  updateId: number | undefined;
  /** Deltas applied since the last snapshot. */
  deltas: number;
  /** Deltas applied in all (to count "further" deltas from any point, e.g. a fault). */
  applied: number;
}

export interface Harness {
  sim: Simulator;
  hub: Hub;
  events: MarketEvent[];
  books: Map<string, ConsumerBook>;
  waitFor<T extends MarketEvent>(pred: (e: MarketEvent) => e is T, what: string, timeoutMs?: number): Promise<T>;
  waitFor(pred: (e: MarketEvent) => boolean, what: string, timeoutMs?: number): Promise<MarketEvent>;
  statuses(filter?: Partial<StatusEvent>): StatusEvent[];
  /** Call `fn` on every event, after the consumer books were updated by it (continuous checks). */
  tap(fn: (e: MarketEvent) => void): void;
  close(): Promise<void>;
}

/** What a consumer of the harness needs: the in-process hub or a `tickwire stream` child (test/faults/). */
export type Consumer = Omit<Harness, 'hub'>;

export interface HarnessOptions {
  exchanges: ExchangeId[];
  markets: string[];
  sim?: SimOptions;
  config?: Partial<TickwireConfigInput>;
  /** Hub dependencies built from the final config (e.g. a recorder's). */
  deps?: (config: TickwireConfig) => HubDeps;
  /** Runs after the simulator started, before the hub subscribes (faults on the first subscribe or REST call). */
  beforeHub?: (sim: Simulator) => void;
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const sim = await startSim({ seed: 7, intervalMs: 20, pingIntervalMs: 300, ...opts.sim, exchanges: opts.exchanges });
  const endpoints: Record<string, { ws: string; rest: string }> = {};
  for (const ex of opts.exchanges) endpoints[ex] = sim.endpoints[ex]!;
  const config = parseConfig({
    markets: opts.markets,
    endpoints,
    symbolsPerConnection: 1,
    reconcileIntervalMs: 0,
    noDataTimeoutMs: 1_500,
    staleAfterMs: 3_000,
    backoff: { initialMs: 50, maxMs: 400, factor: 2 },
    restTimeoutMs: 2_000,
    ...opts.config,
  });
  opts.beforeHub?.(sim);
  const hub = new Hub(config, opts.deps?.(config));
  const core = consumerCore();
  hub.events$.subscribe(core.onEvent);
  for (const ref of config.markets) {
    const { exchange, symbol } = splitMarketRef(ref);
    void hub.add(exchange, symbol, config.channels);
  }
  return {
    sim,
    hub,
    ...core,
    close: async () => {
      hub.close();
      await sim.close();
    },
  };
}

/**
 * The consumer side shared by the in-process harness and the CLI consumer (test/faults/cli-consumer.ts): every event
 * kept, books rebuilt from the events, taps and waiters. `onEvent` takes each event; `note` adds context to a
 * timeout's message (e.g. the child's stderr).
 */
export function consumerCore(note: () => string = () => ''): Pick<Consumer, 'events' | 'books' | 'waitFor' | 'tap' | 'statuses'> & {
  onEvent(e: MarketEvent): void;
} {
  const taps: Array<(e: MarketEvent) => void> = [];
  const events: MarketEvent[] = [];
  const books = new Map<string, ConsumerBook>();
  const waiters = new Set<{ pred: (e: MarketEvent) => boolean; resolve: (e: MarketEvent) => void }>();
  const onEvent = (e: MarketEvent): void => {
    events.push(e);
    if (e.type === 'book_snapshot' || e.type === 'book_delta') {
      const key = `${e.exchange}:${e.symbol}`;
      let b = books.get(key);
      if (!b) books.set(key, (b = { book: new OrderBook(), updateId: undefined, deltas: 0, applied: 0 }));
      if (e.type === 'book_snapshot') {
        b.book.applySnapshot(e.bids, e.asks);
        b.deltas = 0;
      } else {
        b.book.applyLevels(e.bids, e.asks);
        b.deltas++;
        b.applied++;
      }
      b.updateId = e.updateId;
    }
    for (const t of taps) t(e);
    for (const w of waiters) {
      if (w.pred(e)) {
        waiters.delete(w);
        w.resolve(e);
      }
    }
  };
  const waitFor = (pred: (e: MarketEvent) => boolean, what: string, timeoutMs = 8_000): Promise<MarketEvent> =>
    new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (e: MarketEvent) => {
          clearTimeout(t);
          resolve(e);
        },
      };
      const t = setTimeout(() => {
        waiters.delete(w);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${note()}`));
      }, timeoutMs);
      waiters.add(w);
    });
  return {
    events,
    books,
    onEvent,
    waitFor: waitFor as Consumer['waitFor'],
    tap: (fn) => void taps.push(fn),
    statuses: (f = {}) =>
      events.filter(
        (e): e is StatusEvent =>
          e.type === 'status' && Object.entries(f).every(([k, v]) => (e as Record<string, unknown>)[k] === v),
      ),
  };
}

/**
 * Stream statuses other than `live` (any channel) for streams not hit by a fault, since event index `from`:
 * what "only the affected book resyncs; the others stay live" must find empty.
 */
export function troubleElsewhere(h: Consumer, from: number, hit: Array<[ExchangeId, string]>): StatusEvent[] {
  return h.events
    .slice(from)
    .filter(
      (e): e is StatusEvent =>
        e.type === 'status' && e.scope === 'stream' && e.state !== 'live' && !hit.some(([ex, s]) => e.exchange === ex && e.symbol === s),
    );
}

export const isStatus =
  (f: Partial<StatusEvent>) =>
  (e: MarketEvent): e is StatusEvent =>
    e.type === 'status' && Object.entries(f).every(([k, v]) => (e as Record<string, unknown>)[k] === v);

/**
 * Wait until the consumer's book of `exchange:symbol` has applied at least `minDeltas` deltas since its last
 * snapshot, then compare it level by level with the simulator's true book at the same update id. Returns the
 * compared book (the consumer's, captured at that id).
 */
export async function expectBookEqualsTruth(
  h: Consumer,
  exchange: ExchangeId,
  symbol: string,
  minDeltas = 50,
  /** Compare only the best `depth` levels (when the true book is deeper than any REST snapshot). */
  depth = Infinity,
): Promise<{ id: number; bids: [string, string][]; asks: [string, string][] }> {
  const key = `${exchange}:${symbol}`;
  // Capture the consumer's book synchronously, in the event callback that reached the count: later frames of
  // the same socket read are delivered before an awaiting continuation would run.
  let captured: { id: number; bids: [string, string][]; asks: [string, string][] } | undefined;
  // at least `minDeltas` since the last snapshot AND since this call (which comes after any fault injected)
  const base = h.books.get(key)?.applied ?? 0;
  const capture = (): boolean => {
    const b = h.books.get(key);
    if (b === undefined || b.deltas < minDeltas || b.applied - base < minDeltas || b.updateId === undefined) return false;
    captured = { id: b.updateId, ...b.book.snapshot() };
    return true;
  };
  if (!capture()) {
    await h.waitFor(
      (e) => e.type === 'book_delta' && e.exchange === exchange && e.symbol === symbol && capture(),
      `${minDeltas} deltas on ${key}`,
      15_000,
    );
  }
  const { id, bids, asks } = captured!;
  const truth = h.sim.trueBookAt(exchange, symbol, id);
  expect(truth, `simulator history holds ${key} at ${id}`).toBeDefined();
  expect(bids.length).toBeGreaterThan(0);
  expect(bids.slice(0, depth)).toEqual(truth!.bids.slice(0, depth));
  expect(asks.slice(0, depth)).toEqual(truth!.asks.slice(0, depth));
  return { id, bids, asks };
}

export { splitMarketRef };
