/**
 * Issue 8 proof with the real pipeline: tickwire `stream()` instances fed by the simulator publish into a private
 * nats-server; consumers read with `fromNats`.
 * - two publishers on disjoint shards → one wildcard consumer gets every event of both, per stream in order, and
 *   its rebuilt books equal the simulator's true books;
 * - a publisher restarted mid-run (rolling: the new one starts before the old one stops) → JetStream's own message
 *   count shows no duplicate; a consumer started late catches up from the latest checkpoints;
 * - nats-server stopped and restarted during the run → status events, reconnect, every event stored once, the
 *   consumer ends with the true books.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subject, takeUntil, tap, type Observable } from 'rxjs';
import { stream } from '../../src/api/stream.js';
import type { ExchangeId, MarketEvent } from '../../src/schema/events.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { publishToNats, type StoredInfo } from '../../src/sinks/nats/publish.js';
import type { NatsPublishOptions } from '../../src/nats/options.js';
import type { NatsStatus } from '../../src/nats/status.js';
import { streamKey } from '../../src/schema/stream-key.js';
import { fromNats } from '../../src/sources/nats.js';
import type { BookRebuilder } from '../../src/sources/rebuild-books.js';
import { collect, rebuild, states, streamMessageCount, waitFor, type Collected } from './helpers.js';
import { TestNatsServer } from './nats-server.js';

let sim: Simulator;
let srv: TestNatsServer;
beforeAll(async () => {
  sim = await startSim({ seed: 8, exchanges: ['binance', 'binance-futures'], intervalMs: 20, pingIntervalMs: 300, levels: 100, symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'] });
  srv = await TestNatsServer.start();
});
afterAll(async () => {
  await sim?.close();
  await srv?.dispose();
});

interface Publisher {
  /** The pipeline's events, as handed to the publisher. */
  sent: MarketEvent[];
  /** Events the publisher made itself (a healing snapshot after a failed publish) that JetStream stored, as it reports them. */
  generated: MarketEvent[];
  status: Collected<NatsStatus>;
  stop: () => void;
}

function publisher(markets: string[], nats: NatsPublishOptions): Publisher {
  const endpoints: Record<string, { ws: string; rest: string }> = {};
  for (const ex of ['binance', 'binance-futures'] as const) endpoints[ex] = sim.endpoints[ex]!;
  const stop$ = new Subject<void>();
  const sent: MarketEvent[] = [];
  const events$: Observable<MarketEvent> = stream({
    markets,
    endpoints,
    channels: ['book', 'trades'],
    symbolsPerConnection: 1,
    reconcileIntervalMs: 0,
    backoff: { initialMs: 50, maxMs: 400, factor: 2 },
  }).pipe(
    takeUntil(stop$),
    tap((e) => sent.push(e)),
  );
  const generated: MarketEvent[] = [];
  const onStored = (e: MarketEvent, info: StoredInfo): void => {
    if (info.generated && !info.duplicate) generated.push(e);
  };
  const status = collect(publishToNats(events$, nats, { onStored }));
  return { sent, generated, status, stop: () => stop$.next() };
}

const deltasOf = (events: MarketEvent[], ex: ExchangeId, symbol: string): number =>
  events.filter((e) => e.type === 'book_delta' && e.exchange === ex && e.symbol === symbol).length;

/** Every book of `books` is valid and equals the simulator's true book at the book's update id. */
function booksEqualTruth(r: BookRebuilder, books: [ExchangeId, string][]): string[] {
  const problems: string[] = [];
  for (const [ex, s] of books) {
    const b = r.books.get(`${ex}:${s}@book`);
    if (b === undefined || !b.valid || b.updateId === undefined) {
      problems.push(`${ex}:${s} missing or invalid`);
      continue;
    }
    const truth = sim.trueBookAt(ex, s, b.updateId);
    if (truth === undefined) problems.push(`${ex}:${s} no truth at ${b.updateId}`);
    else if (JSON.stringify(b.book.snapshot()) !== JSON.stringify({ bids: truth.bids, asks: truth.asks })) {
      problems.push(`${ex}:${s} differs at ${b.updateId}`);
    }
  }
  return problems;
}

function perStream(events: MarketEvent[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const e of events) {
    const k = `${e.epoch}|${streamKey(e)}`;
    const list = m.get(k) ?? [];
    list.push(`${e.type}:${e.seq}`);
    m.set(k, list);
  }
  return m;
}

/** One event's identity in one publisher's output: its epoch, stream, type and seq. */
const eventId = (e: MarketEvent): string => `${e.epoch}|${streamKey(e)}|${e.type}|${e.seq}`;

/**
 * The consumer got exactly what the publishers stored — their input events and the snapshots they generated
 * themselves — each once, and per stream in the pipeline's order; each generated snapshot comes right after the
 * event it is as of (it carries that event's seq). Returns the problems found.
 */
function accountedFor(received: MarketEvent[], pubs: Publisher[]): string[] {
  const problems: string[] = [];
  const generated = new Set(pubs.flatMap((p) => p.generated).map(eventId));
  const expected = [...pubs.flatMap((p) => p.sent), ...pubs.flatMap((p) => p.generated)].map(eventId).sort();
  const got = received.map(eventId).sort();
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    const exp = new Set(expected);
    const have = new Set(got);
    problems.push(`identity: unexpected ${got.filter((x) => !exp.has(x)).slice(0, 5).join(', ')}; missing ${expected.filter((x) => !have.has(x)).slice(0, 5).join(', ')}; ${got.length} vs ${expected.length}`);
  }
  const inputOnly = received.filter((e) => !generated.has(eventId(e)));
  const sentPerStream = perStream(pubs.flatMap((p) => p.sent));
  const gotPerStream = perStream(inputOnly);
  if (JSON.stringify([...gotPerStream].sort()) !== JSON.stringify([...sentPerStream].sort())) problems.push('per-stream order differs');
  const lastSeq = new Map<string, number>();
  for (const e of received) {
    const k = `${e.epoch}|${streamKey(e)}`;
    if (generated.has(eventId(e)) && lastSeq.get(k) !== e.seq) problems.push(`generated ${eventId(e)} not right after seq ${e.seq}`);
    lastSeq.set(k, e.seq);
  }
  return problems;
}

/** An exchange-level identity: what a second publisher of the same market would publish identically. */
function factId(e: MarketEvent): string {
  if (e.type === 'book_delta') return `${e.exchange}:${e.symbol}:d:${e.firstUpdateId}-${e.updateId}`;
  if (e.type === 'trade') return `${e.exchange}:${e.symbol}:t:${e.tradeId}`;
  if (e.type === 'book_snapshot') return `${e.exchange}:${e.symbol}:s:${e.updateId}`;
  return `${e.epoch}:${streamKey(e)}:${e.seq}`;
}

/** One JetStream stream per test on the shared test server, each with its own subject prefix (streams may not overlap). */
const natsOpts = (stream: string): NatsPublishOptions => ({
  servers: srv.url,
  stream,
  prefix: stream.toLowerCase(),
  snapshotEveryEvents: 50,
  reconnectTimeWaitMs: 100,
  publishTimeoutMs: 1000,
  retryDelayMs: 100,
});

describe('NATS scale-out with the simulator and the real pipeline', { timeout: 60_000 }, () => {
  it('two publishers on disjoint shards, one wildcard consumer: every event in per-stream order, true books', async () => {
    const BOOKS: [ExchangeId, string][] = [
      ['binance', 'BTC/USDT'],
      ['binance', 'ETH/USDT'],
      ['binance-futures', 'BTC/USDT'],
      ['binance-futures', 'SOL/USDT'],
    ];
    const p1 = publisher(['binance:BTC/USDT', 'binance:ETH/USDT'], natsOpts('PROOF'));
    const p2 = publisher(['binance-futures:BTC/USDT', 'binance-futures:SOL/USDT'], natsOpts('PROOF'));
    await waitFor(() => [p1, p2].every((p) => states(p.status.items).includes('open')), 10_000, 'publishers open');
    const live = collect(fromNats({ servers: srv.url, stream: 'PROOF', prefix: 'proof', filter: 'proof.>', start: 'all', reconnectTimeWaitMs: 100 }));
    await waitFor(() => BOOKS.every(([ex, s]) => deltasOf(live.items, ex, s) >= 60), 20_000, '60 deltas per book at the consumer');
    p1.stop();
    p2.stop();
    await waitFor(() => p1.status.done && p2.status.done, 15_000, 'publishers flushed');
    const stored = p1.sent.length + p2.sent.length + p1.generated.length + p2.generated.length;
    await waitFor(() => live.items.length >= stored, 10_000, 'consumer has everything');

    expect(live.items.length).toBe(stored);
    expect(await streamMessageCount(srv.url, 'PROOF')).toBe(stored);
    expect(accountedFor(live.items, [p1, p2])).toEqual([]);
    expect(booksEqualTruth(rebuild(live.items), BOOKS)).toEqual([]);
    live.sub.unsubscribe();
  });

  it('a restarted publisher stores no duplicate (JetStream count); a late consumer catches up from checkpoints', async () => {
    const BOOKS: [ExchangeId, string][] = [
      ['binance', 'BTC/USDT'],
      ['binance', 'ETH/USDT'],
    ];
    const markets = BOOKS.map(([ex, s]) => `${ex}:${s}`);
    const live = collect(fromNats({ servers: srv.url, stream: 'ROLL', prefix: 'roll', start: 'all', reconnectTimeWaitMs: 100 }));
    const a = publisher(markets, natsOpts('ROLL'));
    await waitFor(() => BOOKS.every(([ex, s]) => deltasOf(a.sent, ex, s) >= 40), 20_000, 'A publishing');
    const b = publisher(markets, natsOpts('ROLL')); // the restarted process: new epoch, fresh snapshots
    await waitFor(() => BOOKS.every(([ex, s]) => deltasOf(b.sent, ex, s) >= 30), 20_000, 'A and B both publishing');
    a.stop();
    await waitFor(() => a.status.done, 15_000, 'A flushed');
    await waitFor(() => BOOKS.every(([ex, s]) => deltasOf(b.sent, ex, s) >= 80), 20_000, 'B alone');
    b.stop();
    await waitFor(() => b.status.done, 15_000, 'B flushed');

    const closedB = b.status.items.at(-1);
    expect(closedB).toMatchObject({ state: 'closed' });
    expect(Number(closedB?.details?.['duplicates'])).toBeGreaterThan(0); // the overlap really was re-published
    const unique = new Set([...a.sent, ...b.sent, ...a.generated, ...b.generated].map(factId));
    expect(await streamMessageCount(srv.url, 'ROLL')).toBe(unique.size);

    await waitFor(() => booksEqualTruth(rebuild(live.items), BOOKS).length === 0, 10_000, 'live consumer books equal truth');
    const data = live.items.filter((e) => e.type === 'book_delta' || e.type === 'trade');
    expect(new Set(data.map(factId)).size).toBe(data.length);
    const bookGaps = live.items.filter((e) => e.type === 'status' && e.code === 'TW_ERR_STREAM_GAP' && e.channel === 'book');
    expect(bookGaps).toEqual([]);

    const late = collect(fromNats({ servers: srv.url, stream: 'ROLL', prefix: 'roll', filter: 'roll.binance.book.>' }));
    await waitFor(() => booksEqualTruth(rebuild(late.items), BOOKS).length === 0, 10_000, 'late consumer books equal truth');
    expect(late.items.slice(0, 2).map((e) => e.type)).toEqual(['book_snapshot', 'book_snapshot']);
    const allBookEvents = [...a.sent, ...b.sent].filter((e) => e.type === 'book_delta').length;
    expect(late.items.length).toBeLessThan(allBookEvents / 2);
    late.sub.unsubscribe();
    live.sub.unsubscribe();
  });

  it('nats-server stopped and restarted mid-run: status events, reconnect, every event stored once, true books', async () => {
    const BOOKS: [ExchangeId, string][] = [
      ['binance', 'SOL/USDT'],
      ['binance-futures', 'ETH/USDT'],
    ];
    const consumerStatus: NatsStatus[] = [];
    const live = collect(fromNats({ servers: srv.url, stream: 'DOWN', prefix: 'down', start: 'all', reconnectTimeWaitMs: 100, pullExpiresMs: 2000 }, { onStatus: (s) => consumerStatus.push(s) }));
    const p = publisher(BOOKS.map(([ex, s]) => `${ex}:${s}`), natsOpts('DOWN'));
    await waitFor(() => BOOKS.every(([ex, s]) => deltasOf(live.items, ex, s) >= 20), 20_000, 'consumer live');

    await srv.stop();
    const during = p.sent.length;
    await waitFor(() => p.sent.length >= during + 40, 10_000, 'the feed goes on while NATS is down');
    await srv.start();
    await waitFor(() => states(p.status.items).includes('reconnected'), 10_000, 'publisher reconnected');
    const after = p.sent.length;
    await waitFor(() => p.sent.length >= after + 40, 10_000, 'more events after the restart');
    p.stop();
    await waitFor(() => p.status.done, 15_000, 'publisher flushed');

    expect(states(p.status.items)).toEqual(expect.arrayContaining(['disconnected', 'reconnected', 'closed']));
    expect(p.status.items.filter((s) => s.state === 'dropped')).toEqual([]);
    // a failed publish is retried and followed by a fresh snapshot of its book, which the publisher reports
    const closed = p.status.items.at(-1)?.details ?? {};
    expect(closed['generated']).toBe(p.generated.length);
    expect(p.generated.every((e) => e.type === 'book_snapshot')).toBe(true);
    if (Number(closed['retried']) === 0) expect(p.generated).toEqual([]);
    const stored = p.sent.length + p.generated.length;
    expect(await streamMessageCount(srv.url, 'DOWN')).toBe(stored);
    await waitFor(() => live.items.length >= stored, 15_000, 'consumer has everything');
    expect(states(consumerStatus)).toContain('reconnected');
    expect(live.items.length).toBe(stored);
    expect(accountedFor(live.items, [p])).toEqual([]);
    expect(booksEqualTruth(rebuild(live.items), BOOKS)).toEqual([]);
    live.sub.unsubscribe();
  });
});
