/**
 * BookDriver deepening a shallow book when the stream lags the REST answers (a loaded client, a slow stream): each
 * deep snapshot is newer than the book ('pending'). Fetching another before the book reaches the pending one
 * replaced it with a still newer one, for as long as the lag lasted, until the tries ran out and the book was never
 * deepened. The driver now waits for the pending snapshot. Virtual time, a fake REST, Binance spot's real rules;
 * the truth is an independent model of the book at each id.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { BookDriver } from '../../src/pipeline/book-driver.js';
import { binanceSpotBookRules } from '../../src/exchanges/binance/index.js';
import { RestScheduler, type HttpGet } from '../../src/rest/index.js';
import type { DeltaMessage } from '../../src/exchanges/types.js';
import type { Level, UnstampedEvent } from '../../src/schema/events.js';

const START = 100;
const LEVELS = 30;

/** The true book after change `id`: 30 levels a side; change k sets bid 1000-(k%30) and ask 2000+(k%30) to k. */
function truthAt(id: number): { bids: Level[]; asks: Level[] } {
  const bid = new Map<number, string>();
  const ask = new Map<number, string>();
  for (let i = 0; i < LEVELS; i++) {
    bid.set(1000 - i, '1');
    ask.set(2000 + i, '1');
  }
  for (let k = START + 1; k <= id; k++) {
    bid.set(1000 - (k % LEVELS), String(k));
    ask.set(2000 + (k % LEVELS), String(k));
  }
  return {
    bids: [...bid].sort((a, b) => b[0] - a[0]).map(([p, s]) => [String(p), s]),
    asks: [...ask].sort((a, b) => a[0] - b[0]).map(([p, s]) => [String(p), s]),
  };
}

const delta = (k: number): DeltaMessage => ({
  kind: 'book', market: 'BTCUSDT', action: 'delta', firstUpdateId: k, updateId: k,
  bids: [[String(1000 - (k % LEVELS)), String(k)]], asks: [[String(2000 + (k % LEVELS)), String(k)]],
});

function run() {
  const vts = new VirtualTimeScheduler();
  let serverId = START;
  const depthRequests: number[] = [];
  const http: HttpGet = (url) => {
    const limit = Number(/limit=(\d+)/.exec(url)?.[1]);
    depthRequests.push(limit);
    const t = truthAt(serverId);
    const body = JSON.stringify({ lastUpdateId: serverId, bids: t.bids.slice(0, limit), asks: t.asks.slice(0, limit) });
    return Promise.resolve({ status: 200, headers: {}, body });
  };
  const rest = new RestScheduler({ origin: 'http://sim.invalid', http, scheduler: vts });
  const events: UnstampedEvent[] = [];
  const quiet = { warn: () => undefined, info: () => undefined, debug: () => undefined, error: () => undefined };
  const driver = new BookDriver({
    exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', rules: binanceSpotBookRules, subscribedDepth: 1000,
    snapshotDepth: 1000, firstSnapshotDepth: 20, reconcileIntervalMs: 0, rest, scheduler: vts,
    clock: { nowMicros: () => vts.now() * 1000 },
    logger: { ...quiet, child: () => quiet } as never, metrics: { inc: () => undefined } as never,
    emit: (e) => events.push(e), isOpen: () => true, resubscribe: () => undefined,
  });
  return { vts, driver, events, depthRequests, rest, step: () => ++serverId, get serverId() { return serverId; } };
}

describe('BookDriver: a deep snapshot newer than a lagging book', () => {
  for (const lagSteps of [0, 5, 30, 80]) {
    it(`stream ${lagSteps * 100} ms behind the REST answers: deepened once the book reaches a pending snapshot`, async () => {
      const r = run();
      let fed = START;
      // 100 ms per change for 60 virtual seconds; the stream delivers the changes `lagSteps` behind the server
      for (let t = 1; t <= 600; t++) {
        await new Promise((res) => setImmediate(res));
        r.vts.maxFrames = t * 100;
        r.vts.flush();
        r.step();
        while (fed < r.serverId - lagSteps) r.driver.onMessage(delta(++fed), r.vts.now() * 1000);
      }
      const deepened = r.events.filter((e) => e.type === 'status' && e.state === 'reconciled' && e.details?.['deepened'] === true);
      expect(deepened).toHaveLength(1);
      expect(r.events.filter((e) => e.type === 'status' && e.state === 'resyncing')).toEqual([]);
      expect(r.depthRequests[0]).toBe(20);
      // one deep request: the first one is pending until the lagging book reaches it (before, each retry replaced
      // the pending snapshot with a newer one, so with a 3 s lag only the last of the 10 tries could land: 10× the
      // weight and ~9 s later)
      expect(r.depthRequests.slice(1)).toEqual([1000]);
      const sync = r.driver.sync;
      expect(sync.state).toBe('live');
      expect(sync.book.snapshot()).toEqual(truthAt(fed));
      r.driver.stop();
      r.rest.close();
    });
  }
});
