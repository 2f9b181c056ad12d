/**
 * Make-before-break against the simulator over loopback: a connection the exchange is about to close (Binance
 * `serverShutdown`, OKX `notice` 64008) or that reaches `maxConnectionAgeMs` is replaced by a new one whose books go
 * live first. Two books share the connection; throughout, the consumer sees no `resyncing`, no snapshot, an
 * unbroken chain of update ids, no duplicated or missing trade, and its books equal the simulator's true book at
 * every update id; the old connection is closed and only the replacement remains.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeId, MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { expectBookEqualsTruth, isStatus, startHarness, type Harness, type HarnessOptions } from '../helpers/harness.js';

const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Checked {
  /** Book deltas compared with the true book (after the handover began). */
  compared: number;
  failures: string[];
}

/** Start streaming, wait for every book live, then compare the consumer's book with the truth after every delta. */
async function start(exchange: ExchangeId, opts: Partial<HarnessOptions>): Promise<Checked> {
  h = await startHarness({
    exchanges: [exchange],
    markets: SYMBOLS.map((s) => `${exchange}:${s}`),
    ...opts,
    config: { channels: ['book', 'trades'], symbolsPerConnection: 2, ...opts.config },
  });
  const harness = h;
  await Promise.all(
    SYMBOLS.map((s) => harness.waitFor(isStatus({ exchange, symbol: s, channel: 'book', state: 'live' }), `${s} live`)),
  );
  const checked: Checked = { compared: 0, failures: [] };
  // subscribed after the harness: its consumer book already holds this event when the check runs
  harness.hub.events$.subscribe((e) => {
    if (e.type !== 'book_delta' || e.updateId === undefined) return;
    const mine = harness.books.get(`${exchange}:${e.symbol}`)!.book.snapshot();
    const truth = harness.sim.trueBookAt(exchange, e.symbol, e.updateId);
    checked.compared++;
    if (truth === undefined) checked.failures.push(`${e.symbol}@${e.updateId}: no truth`);
    else if (JSON.stringify(mine) !== JSON.stringify({ bids: truth.bids, asks: truth.asks })) {
      checked.failures.push(`${e.symbol}@${e.updateId}: book differs from the truth`);
    }
  });
  return checked;
}

/** Chain breaks, snapshots, resyncs, duplicated or skipped trades among events[from…] of `exchange`. */
function continuityProblems(events: MarketEvent[], from: number, exchange: ExchangeId): string[] {
  const problems: string[] = [];
  const lastId = new Map<string, number>();
  const lastTrade = new Map<string, number>();
  for (const e of events.slice(from)) {
    if (e.exchange !== exchange) continue;
    if (e.type === 'status' && e.scope === 'stream' && e.state !== 'live') problems.push(`${e.symbol} ${e.state} ${e.code}`);
    if (e.type === 'book_snapshot') problems.push(`${e.symbol} snapshot at ${e.updateId}`);
    if (e.type === 'book_delta') {
      const prev = lastId.get(e.symbol);
      // OKX chains by prevSeqId (an update without changes repeats the id); Binance by U <= prev + 1 <= u
      const broken =
        prev !== undefined &&
        (e.prevUpdateId !== undefined
          ? e.prevUpdateId !== prev
          : e.firstUpdateId !== undefined && e.updateId !== undefined && !(e.firstUpdateId <= prev + 1 && prev + 1 <= e.updateId));
      if (broken) problems.push(`${e.symbol} chain ${prev} → [${e.prevUpdateId ?? e.firstUpdateId}, ${e.updateId}]`);
      if (e.updateId !== undefined) lastId.set(e.symbol, e.updateId);
    }
    if (e.type === 'trade') {
      const id = Number(e.tradeId);
      const prev = lastTrade.get(e.symbol);
      if (prev !== undefined && id !== prev + 1) problems.push(`${e.symbol} trade ${prev} → ${id}`);
      lastTrade.set(e.symbol, id);
    }
  }
  return problems;
}

const replaced = (exchange: ExchangeId) => (e: MarketEvent): e is StatusEvent =>
  e.type === 'status' && e.exchange === exchange && e.scope === 'connection' && e.state === 'closed' && e.details?.['replacedBy'] !== undefined;

/** Wait for a replacement (matching `pred`), noting the runtime's connections at that very moment. */
function whenReplaced(exchange: ExchangeId, pred: (e: StatusEvent) => boolean = () => true): Promise<{ closed: StatusEvent; conns: string[] }> {
  const harness = h!;
  return harness
    .waitFor((e) => replaced(exchange)(e) && pred(e), 'old connection replaced')
    .then((closed) => ({ closed: closed as StatusEvent, conns: harness.hub.connections().map((c) => c.id) }));
}

async function expectSeamless(exchange: ExchangeId, from: number, checked: Checked, at: { closed: StatusEvent; conns: string[] }): Promise<void> {
  const harness = h!;
  // at the replacement, the old connection is gone from the runtime; only its replacement is left
  expect(at.conns).toEqual([at.closed.details?.['replacedBy']]);
  // the replacement carries both books on: 50 further deltas each, equal to the truth
  for (const s of SYMBOLS) await expectBookEqualsTruth(harness, exchange, s);
  expect(continuityProblems(harness.events, from, exchange)).toEqual([]);
  expect(checked.failures).toEqual([]);
  expect(checked.compared).toBeGreaterThan(100);
  expect(harness.events.slice(from).filter((e) => e.type === 'trade' && e.exchange === exchange).length).toBeGreaterThan(10);
}

describe('make-before-break', () => {
  it('binance serverShutdown: the replacement takes over both books with no resync and no hole', async () => {
    const checked = await start('binance', { sim: { shutdownCloseDelayMs: 6_000 } });
    const from = h!.events.length;
    h!.sim.fault('binance', { kind: 'server-shutdown', symbol: 'BTC/USDT' });
    const at = await whenReplaced('binance');
    expect(at.closed.code).toBe('TW_ERR_SERVER_SHUTDOWN');
    await expectSeamless('binance', from, checked, at);
    // the simulator saw the old socket closed by the client, not by its delayed shutdown: one connection left
    expect(h!.sim.connectionCount('binance')).toBe(1);
  });

  it('binance maxConnectionAgeMs: connections are replaced before their age limit, repeatedly, seamlessly', async () => {
    const checked = await start('binance', { config: { maxConnectionAgeMs: 1_500 } });
    const from = h!.events.length;
    const first = await whenReplaced('binance');
    expect(first.closed.code).toBe('TW_OK');
    const second = await whenReplaced('binance', (e) => e.connectionId === first.closed.details?.['replacedBy']);
    await expectSeamless('binance', from, checked, second);
  });

  it('okx notice 64008: the replacement takes over both books with no resync and no hole', async () => {
    const checked = await start('okx', { sim: { shutdownCloseDelayMs: 6_000 } });
    const from = h!.events.length;
    h!.sim.fault('okx', { kind: 'server-shutdown', symbol: 'BTC/USDT' });
    const at = await whenReplaced('okx');
    expect(at.closed.code).toBe('TW_ERR_SERVER_SHUTDOWN');
    await expectSeamless('okx', from, checked, at);
    expect(h!.sim.connectionCount('okx')).toBe(1);
  });

  it('kraken maintenance status (no update ids): a fresh snapshot per book, no resync, books equal the truth', async () => {
    await start('kraken', { sim: { shutdownCloseDelayMs: 6_000 }, config: { bookDepth: 10, pingIntervalMs: 300 } });
    const from = h!.events.length;
    h!.sim.fault('kraken', { kind: 'server-shutdown', symbol: 'BTC/USDT' });
    const at = await whenReplaced('kraken');
    expect(at.closed.code).toBe('TW_ERR_SERVER_SHUTDOWN');
    expect(at.conns).toEqual([at.closed.details?.['replacedBy']]);
    const after = () => h!.events.slice(from).filter((e) => e.exchange === 'kraken');
    // 20 further deltas per book on the replacement, then the simulator paused and the frames in flight drained
    for (const s of SYMBOLS) {
      const base = h!.books.get(`kraken:${s}`)!.applied;
      if (h!.books.get(`kraken:${s}`)!.applied - base < 20) {
        await h!.waitFor((e) => e.type === 'book_delta' && e.symbol === s && h!.books.get(`kraken:${s}`)!.applied - base >= 20, `20 deltas on ${s}`);
      }
    }
    h!.sim.pause();
    const same = (s: string): boolean => {
      const truth = h!.sim.trueBook('kraken', s)!;
      return JSON.stringify(h!.books.get(`kraken:${s}`)!.book.snapshot()) === JSON.stringify({ bids: truth.bids.slice(0, 10), asks: truth.asks.slice(0, 10) });
    };
    for (let i = 0; i < 20 && !SYMBOLS.every(same); i++) {
      await h!.waitFor((e) => e.type === 'book_delta', 'in-flight delta', 250).catch(() => undefined);
    }
    h!.sim.resume();
    for (const s of SYMBOLS) expect(same(s), `${s} equals the true top 10`).toBe(true);
    expect(after().filter((e) => e.type === 'status' && e.scope === 'stream' && e.state !== 'live')).toEqual([]);
    // one fresh snapshot per book (no ids to align), at the switch
    expect(after().filter((e) => e.type === 'book_snapshot').map((e) => e.symbol).sort()).toEqual([...SYMBOLS].sort());
    const trades = after().filter((e) => e.type === 'trade').map((e) => `${e.symbol}#${e.tradeId}`);
    expect(new Set(trades).size).toBe(trades.length);
    expect(h!.sim.connectionCount('kraken')).toBe(1);
  });

  it('binance close right after the notice: books still on it say resyncing, then go live on the replacement', async () => {
    await start('binance', { sim: { shutdownCloseDelayMs: 0 } });
    const from = h!.events.length;
    const resync = h!.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }), 'BTC resyncing');
    const closed = h!.waitFor(replaced('binance'), 'old connection replaced');
    h!.sim.fault('binance', { kind: 'server-shutdown', symbol: 'BTC/USDT' });
    expect((await resync).code).toBe('TW_ERR_RECONNECTED');
    const old = (await closed).connectionId;
    // the old connection's own close was reported, and it did not reconnect: the replacement carries the books
    expect(h!.statuses({ scope: 'connection', connectionId: old, code: 'TW_ERR_SOCKET_CLOSED' })).toHaveLength(1);
    for (const s of SYMBOLS) await expectBookEqualsTruth(h!, 'binance', s);
    expect(h!.events.slice(from).filter((e) => e.type === 'status' && e.connectionId === old && e.state === 'reconnecting')).toEqual([]);
    expect(h!.hub.connections().map((c) => c.id)).toEqual([(await closed).details?.['replacedBy']]);
  });

  it("the exchange's own age limit (simulator max-connection-age, 3 s, closing like Binance at 24 h): replaced before it, repeatedly, seamlessly", async () => {
    const checked = await start('binance', { config: { maxConnectionAgeMs: 1_500 } });
    h!.sim.fault('binance', { kind: 'max-connection-age', seconds: 3 });
    const from = h!.events.length;
    const first = await whenReplaced('binance');
    const second = await whenReplaced('binance', (e) => e.connectionId === first.closed.details?.['replacedBy']);
    await expectSeamless('binance', from, checked, second);
    // tickwire always left first: no connection was closed by the exchange
    expect(h!.events.slice(from).filter((e) => e.type === 'status' && e.scope === 'connection' && e.code === 'TW_ERR_SOCKET_CLOSED')).toEqual([]);
  });

  it('an error reply to the replacement\'s subscribe is charged to the replacement (retried there), not to the old, still-live book', async () => {
    const checked = await start('okx', { sim: { shutdownCloseDelayMs: 6_000 } });
    const from = h!.events.length;
    // the next subscribe of BTC — the replacement's — is refused with a transient error (60014: too many requests)
    h!.sim.fault('okx', { kind: 'okx-error', symbol: 'BTC/USDT', code: '60014', count: 1 });
    h!.sim.fault('okx', { kind: 'server-shutdown', symbol: 'BTC/USDT' });
    const at = await whenReplaced('okx');
    // the old connection's books never left live: no resyncing, no snapshot, an unbroken chain
    await expectSeamless('okx', from, checked, at);
    const refusals = h!.events
      .slice(from)
      .filter((e): e is StatusEvent => e.type === 'status' && e.state === 'error' && e.details?.['replacement'] === true);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((e) => e.scope === 'connection' && e.connectionId === at.closed.details?.['replacedBy'])).toBe(true);
    expect(refusals.map((e) => e.details?.['market'])).toContain('BTC-USDT');
  });
});
