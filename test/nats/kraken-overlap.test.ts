/**
 * A rolling restart on a feed WITHOUT update ids (Kraken v2 books), with the simulator and the real pipeline.
 * The restarted publisher B is slower than the old one A (its events reach NATS 400 ms late), so B's fresh
 * snapshot is stored after A's newer deltas, and B's copies of those deltas are dropped by JetStream as
 * duplicates. Nothing in the stream orders B's snapshot against A's deltas: the consumer's rebuilt book must be
 * either the true book or explicitly untrusted (with a status) — never silently wrong.
 * A plain restart (A stopped before B starts) must still end with a valid, true book.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subject, delay, takeUntil, tap, type Observable } from 'rxjs';
import { stream } from '../../src/api/stream.js';
import type { MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { publishToNats } from '../../src/sinks/nats/publish.js';
import type { NatsStatus } from '../../src/nats/status.js';
import { fromNats } from '../../src/sources/nats.js';
import { BookRebuilder } from '../../src/sources/rebuild-books.js';
import { collect, states, waitFor, type Collected } from './helpers.js';
import { TestNatsServer } from './nats-server.js';

const DEPTH = 10;
const SYMBOL = 'BTC/USD';
let sim: Simulator;
let srv: TestNatsServer;
beforeAll(async () => {
  sim = await startSim({ seed: 88, exchanges: ['kraken'], intervalMs: 20, pingIntervalMs: 300, symbols: [SYMBOL] });
  srv = await TestNatsServer.start();
});
afterAll(async () => {
  await sim?.close();
  await srv?.dispose();
});

interface Publisher {
  sent: MarketEvent[];
  status: Collected<NatsStatus>;
  stop: () => void;
}

/** A tickwire process publishing kraken:BTC/USD books; `lagMs` delays what it hands to NATS (a slow process). */
function publisher(prefix: string, lagMs: number): Publisher {
  const stop$ = new Subject<void>();
  const sent: MarketEvent[] = [];
  let events$: Observable<MarketEvent> = stream({
    markets: [`kraken:${SYMBOL}`],
    endpoints: { kraken: sim.endpoints.kraken! },
    channels: ['book'],
    bookDepth: DEPTH,
    reconcileIntervalMs: 0,
    backoff: { initialMs: 50, maxMs: 400, factor: 2 },
  }).pipe(takeUntil(stop$));
  if (lagMs > 0) events$ = events$.pipe(delay(lagMs));
  events$ = events$.pipe(tap((e) => sent.push(e)));
  const status = collect(
    publishToNats(events$, { servers: srv.url, stream: prefix.toUpperCase(), prefix, snapshotEveryEvents: 50, reconnectTimeWaitMs: 100 }),
  );
  return { sent, status, stop: () => stop$.next() };
}

const deltas = (events: MarketEvent[]): number => events.filter((e) => e.type === 'book_delta').length;

interface Consumer {
  events: Collected<MarketEvent>;
  rebuilder: BookRebuilder;
  statuses: StatusEvent[];
}

function consumer(prefix: string): Consumer {
  const statuses: StatusEvent[] = [];
  const rebuilder = new BookRebuilder({ onStatus: (s) => statuses.push(s) });
  const events = collect(fromNats({ servers: srv.url, stream: prefix.toUpperCase(), prefix, start: 'all', reconnectTimeWaitMs: 100 }));
  const sub = events.sub;
  let applied = 0;
  const timer = setInterval(() => {
    for (; applied < events.items.length; applied++) rebuilder.apply(events.items[applied]!);
  }, 5);
  sub.add(() => clearInterval(timer));
  return { events, rebuilder, statuses };
}

/** Pauses the simulator, lets the frames in flight arrive (bounded), and compares the consumer's book to the truth. */
async function verdict(c: Consumer, last: Publisher): Promise<{ valid: boolean; untrusted: string | undefined; equal: boolean }> {
  sim.pause();
  try {
    const key = `kraken:${SYMBOL}@book`;
    const truth = (): string => {
      const t = sim.trueBook('kraken', SYMBOL)!;
      return JSON.stringify({ bids: t.bids.slice(0, DEPTH), asks: t.asks.slice(0, DEPTH) });
    };
    const mine = (): string => JSON.stringify(c.rebuilder.books.get(key)?.book.snapshot());
    // everything the last publisher handed over is stored and consumed: wait for its count to settle
    let seen = -1;
    for (let i = 0; i < 40 && seen !== last.sent.length; i++) {
      seen = last.sent.length;
      await new Promise((r) => setTimeout(r, 100)); // the publisher's 400 ms lag has no event to await
    }
    await waitFor(() => mine() === truth() || c.rebuilder.books.get(key)?.untrusted !== undefined, 3000, 'book true or untrusted').catch(() => undefined);
    const b = c.rebuilder.books.get(key)!;
    return { valid: b.valid, untrusted: b.untrusted, equal: mine() === truth() };
  } finally {
    sim.resume();
  }
}

describe('NATS rolling restart on a feed without update ids (Kraken)', { timeout: 60_000 }, () => {
  it('a slow restarted publisher: the consumer book is the true book or explicitly untrusted, never silently wrong', async () => {
    const c = consumer('krov');
    const a = publisher('krov', 0);
    await waitFor(() => deltas(a.sent) >= 30, 20_000, 'A publishing');
    const b = publisher('krov', 400); // the restarted process, slower: its snapshot lands after A's newer deltas
    await waitFor(() => deltas(b.sent) >= 30, 20_000, 'A and B both publishing');
    a.stop();
    await waitFor(() => a.status.done, 15_000, 'A flushed');
    await waitFor(() => deltas(b.sent) >= 60, 20_000, 'B alone');
    expect(states(b.status.items)).toContain('open');

    const v = await verdict(c, b);
    b.stop();
    await waitFor(() => b.status.done, 15_000, 'B flushed');
    expect(Number(b.status.items.at(-1)?.details?.['duplicates'])).toBeGreaterThan(0); // the overlap was re-published
    // never silently wrong: a book that claims to be valid equals the truth; otherwise it says why, with a status
    if (v.valid) expect(v.equal).toBe(true);
    else {
      expect(v.untrusted).toBeDefined();
      expect(c.statuses.some((s) => s.code === 'TW_ERR_BOOK_UNTRUSTED' && s.symbol === SYMBOL)).toBe(true);
    }
    expect(v.valid || v.untrusted !== undefined).toBe(true);
    c.events.sub.unsubscribe();
  });

  it('a plain restart (A stopped before B starts): the consumer book is valid and true', async () => {
    const c = consumer('krseq');
    const a = publisher('krseq', 0);
    await waitFor(() => deltas(a.sent) >= 30, 20_000, 'A publishing');
    a.stop();
    await waitFor(() => a.status.done, 15_000, 'A flushed');
    const b = publisher('krseq', 0);
    await waitFor(() => deltas(b.sent) >= 30, 20_000, 'B publishing');
    const v = await verdict(c, b);
    b.stop();
    await waitFor(() => b.status.done, 15_000, 'B flushed');
    expect(v).toEqual({ valid: true, untrusted: undefined, equal: true });
    c.events.sub.unsubscribe();
  });
});
