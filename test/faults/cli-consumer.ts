/**
 * The harness's consumer interface over a `tickwire stream` child process: the simulator in this process, the CLI
 * in another, books rebuilt from its NDJSON exactly as the in-process harness rebuilds them from the hub's events.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { OrderBook } from '../../src/book/order-book.js';
import type { ExchangeId, MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { startSim, type Simulator, type SimOptions } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import type { Consumer, ConsumerBook } from '../helpers/harness.js';

export interface CliConsumerOptions {
  exchanges: ExchangeId[];
  markets: string[];
  sim?: SimOptions;
  config: { channels: string[]; symbolsPerConnection: number; noDataTimeoutMs: number; staleAfterMs: number; restTimeoutMs: number; bookPauseMs?: number };
  beforeHub?: (sim: Simulator) => void;
}

export async function startCliConsumer(opts: CliConsumerOptions): Promise<Consumer> {
  const sim = await startSim({ seed: 7, intervalMs: 20, pingIntervalMs: 300, ...opts.sim, exchanges: opts.exchanges });
  opts.beforeHub?.(sim);
  const dir = mkdtempSync(join(tmpdir(), 'tw-matrix-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ ...opts.config, reconcileIntervalMs: 0, backoff: { initialMs: 50, maxMs: 400, factor: 2 } }));
  const endpoints = opts.exchanges.flatMap((ex) => ['--endpoint', `${ex}=${sim.endpoints[ex]!.ws},${sim.endpoints[ex]!.rest}`]);
  const run = runCli(['stream', ...opts.markets, '--config', configFile, '--log-level', 'warn', ...endpoints]);
  const events: MarketEvent[] = [];
  const books = new Map<string, ConsumerBook>();
  const taps: Array<(e: MarketEvent) => void> = [];
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
  // every stdout line is one event (a second reader of the child's stdout, beside runCli's own)
  createInterface({ input: run.child.stdout }).on('line', (l) => onEvent(JSON.parse(l) as MarketEvent));
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
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${run.stderr().slice(-300)}`));
      }, timeoutMs);
      waiters.add(w);
    });
  return {
    sim,
    events,
    books,
    waitFor: waitFor as Consumer['waitFor'],
    tap: (fn) => void taps.push(fn),
    statuses: (f = {}) =>
      events.filter((e): e is StatusEvent => e.type === 'status' && Object.entries(f).every(([k, v]) => (e as Record<string, unknown>)[k] === v)),
    close: async () => {
      run.child.kill('SIGINT');
      await run.exit;
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
