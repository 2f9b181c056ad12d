/**
 * `stream(…).books()`: the hub's own verified books handed out read-only. Checked against the simulator's true book
 * at the update id of every update, for immutability (types and runtime), and for the trust semantics of `books()`
 * (untrusted from a `resyncing` until the next `live`) across a real sequence gap.
 */
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { firstValueFrom, filter, take, toArray, type Subscription } from 'rxjs';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { stream, type TickwireStream } from '../../src/api/stream.js';
import type { LiveBook } from '../../src/api/live-books.js';
import type { MarketEvent } from '../../src/schema/events.js';
import type { ReadonlyLevel, ReadonlyOrderBook } from '../../src/book/book-reader.js';

let sim: Simulator;
let subs: Subscription[] = [];

beforeEach(async () => {
  sim = await startSim({ seed: 11, intervalMs: 10, levels: 200, pingIntervalMs: 60_000, exchanges: ['binance'], symbols: ['BTC/USDT', 'ETH/USDT'] });
});
afterEach(async () => {
  for (const s of subs) s.unsubscribe();
  subs = [];
  await sim.close();
});

function open(): TickwireStream {
  return stream({
    markets: ['binance:BTC/USDT', 'binance:ETH/USDT'],
    channels: ['book'],
    endpoints: { binance: sim.endpoints.binance! },
  });
}

/** Every trusted update, until `n` per symbol: the view must equal the true book at its update id. */
function checkAgainstTruth(books$: ReturnType<TickwireStream['books']>, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const seen = new Map<string, number>();
    let compared = 0;
    const sub = books$.subscribe((lb) => {
      if (!lb.trusted) return;
      try {
        expect(lb.event).toBeDefined(); // while delivered
        expect(lb.updateId).toBe(lb.event!.type === 'status' ? lb.updateId : (lb.event as { updateId?: number }).updateId);
        const truth = sim.trueBookAt('binance', lb.symbol, lb.updateId!);
        expect(truth).toBeDefined();
        expect(lb.book.snapshot()).toEqual({ bids: truth!.bids, asks: truth!.asks });
        expect(lb.book.bidCount).toBe(truth!.bids.length);
        // the best levels (cached between changes) are the true book's
        expect(lb.book.bestBid()).toEqual(truth!.bids[0]);
        expect(lb.book.bestAsk()).toEqual(truth!.asks[0]);
        compared++;
      } catch (err) {
        sub.unsubscribe();
        reject(err as Error);
        return;
      }
      seen.set(lb.symbol, (seen.get(lb.symbol) ?? 0) + 1);
      if (seen.size === 2 && [...seen.values()].every((c) => c >= n)) {
        sub.unsubscribe();
        resolve(compared);
      }
    });
    subs.push(sub);
  });
}

describe('stream().books(): the hub\'s verified books, read-only', () => {
  it('each update\'s view equals the simulator\'s true book at the update id, for every book', async () => {
    const compared = await checkAgainstTruth(open().books(), 60);
    expect(compared).toBeGreaterThanOrEqual(120);
  });

  it('hands each update its event while it is delivered, and keeps none after (the view holds no event alive)', async () => {
    const s = open();
    const events: MarketEvent[] = [];
    subs.push(s.subscribe((e) => events.push(e)));
    const held: LiveBook[] = [];
    await new Promise<void>((resolve) => {
      const sub = s.books().subscribe((lb) => {
        // the event of this delivery is the one the stream's other subscriber got last, for this book
        const last = events[events.length - 1];
        expect(lb.event).toBe(last);
        expect(lb.event!.symbol).toBe(lb.symbol);
        held.push(lb);
        if (held.length === 20) {
          sub.unsubscribe();
          resolve();
        }
      });
      subs.push(sub);
    });
    for (const lb of held) expect(lb.event).toBeUndefined();
  });

  it('shares the hub with the event subscribers of the same stream (one connection), and the view is that book', async () => {
    const s = open();
    const events: string[] = [];
    subs.push(s.subscribe((e) => events.push(e.type)));
    const lb = await firstValueFrom(s.books().pipe(filter((b) => b.trusted && b.event?.type === 'book_delta')));
    expect(sim.connectionCount('binance')).toBe(1);
    expect(events).toContain('book_delta');
    expect(lb.book.snapshot()).toEqual((({ bids, asks }) => ({ bids, asks }))(sim.trueBookAt('binance', lb.symbol, lb.updateId!)!));
  });

  it('cannot be mutated: no write methods, frozen reads, the book out of reach', async () => {
    const lb = await firstValueFrom(open().books().pipe(filter((b) => b.trusted)));
    const before = lb.book.top(5);
    // types: a read-only book, read-only levels
    expectTypeOf(lb.book).toEqualTypeOf<ReadonlyOrderBook>();
    expectTypeOf(before.bids[0]!).toEqualTypeOf<ReadonlyLevel>();
    expectTypeOf<ReadonlyOrderBook>().not.toHaveProperty('applyLevels');
    expectTypeOf<ReadonlyOrderBook>().not.toHaveProperty('set');
    expectTypeOf<ReadonlyOrderBook>().not.toHaveProperty('clear');
    // @ts-expect-error a level read from the view is readonly
    expect(() => (before.bids[0]![1] = '999')).toThrow(TypeError);
    // @ts-expect-error the sides are readonly arrays
    expect(() => before.bids.pop()).toThrow(TypeError);
    expect(() => (before as { bids: unknown }).bids = []).toThrow(TypeError);
    const best = lb.book.bestBid()!;
    expect(Object.isFrozen(best)).toBe(true);
    // runtime: nothing on the view or the update reaches the OrderBook or the sync
    const book = lb.book as unknown as Record<string, unknown>;
    for (const name of ['applyLevels', 'applySnapshot', 'set', 'clear', 'truncate', 'book', 'sync']) expect(book[name]).toBeUndefined();
    expect(Object.keys(lb.book)).toEqual([]);
    expect(Object.keys(lb).filter((k) => !['exchange', 'symbol', 'book', 'event'].includes(k))).toEqual([]);
    // nothing above changed the hub's book: the view still equals the true book at its id
    const truth = sim.trueBookAt('binance', lb.symbol, lb.updateId!);
    expect(lb.book.snapshot()).toEqual({ bids: truth!.bids, asks: truth!.asks });
  });

  it('trust: a sequence gap makes the book untrusted (and empty) from the resyncing status until it is live again', async () => {
    const s = open();
    const updates: Array<{ trusted: boolean; updateId: number | undefined; type: string; state?: string; bids: number; equal?: boolean }> = [];
    let faulted = false;
    const done = firstValueFrom(
      s.books().pipe(
        filter((lb) => lb.symbol === 'BTC/USDT'),
        filter((lb) => {
          const e = lb.event!; // set while delivered
          const rec = { trusted: lb.trusted, updateId: lb.updateId, type: e.type, bids: lb.book.bidCount, ...(e.type === 'status' ? { state: e.state } : {}) };
          if (lb.trusted && lb.updateId !== undefined) {
            const t = sim.trueBookAt('binance', 'BTC/USDT', lb.updateId);
            Object.assign(rec, { equal: t !== undefined && JSON.stringify(lb.book.snapshot()) === JSON.stringify({ bids: t.bids, asks: t.asks }) });
          }
          updates.push(rec);
          if (!faulted && lb.trusted && e.type === 'book_delta') {
            faulted = true;
            sim.fault('binance', { kind: 'drop-diff', symbol: 'BTC/USDT' });
          }
          return faulted && e.type === 'book_delta' && updates.some((u) => u.state === 'resyncing');
        }),
        take(20),
        toArray(),
      ),
    );
    await done;
    const r = updates.findIndex((u) => u.state === 'resyncing');
    expect(r).toBeGreaterThan(0);
    expect(updates[r]).toMatchObject({ trusted: false, updateId: undefined, bids: 0 });
    const back = updates.findIndex((u, i) => i > r && u.trusted);
    expect(updates[back]?.type).toBe('book_snapshot');
    // between the resyncing and the snapshot that ends it: nothing trusted
    for (const u of updates.slice(r, back)) expect(u.trusted).toBe(false);
    // every trusted update, before and after the gap, equals the true book
    const trusted = updates.filter((u) => u.trusted);
    expect(trusted.length).toBeGreaterThan(20);
    for (const u of trusted) expect(u.equal).toBe(true);
  });
});

export type { LiveBook };
