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
      const first = e.prevUpdateId !== undefined ? e.prevUpdateId + 1 : e.firstUpdateId;
      if (prev !== undefined && first !== undefined && e.updateId !== undefined && !(first <= prev + 1 && prev + 1 <= e.updateId)) {
        problems.push(`${e.symbol} chain ${prev} → [${first}, ${e.updateId}]`);
      }
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

async function expectSeamless(exchange: ExchangeId, from: number, checked: Checked, closed: StatusEvent): Promise<void> {
  const harness = h!;
  // the replacement carries both books on: 50 further deltas each, equal to the truth
  for (const s of SYMBOLS) await expectBookEqualsTruth(harness, exchange, s);
  expect(continuityProblems(harness.events, from, exchange)).toEqual([]);
  expect(checked.failures).toEqual([]);
  expect(checked.compared).toBeGreaterThan(100);
  const conns = harness.hub.connections().filter((c) => c.id.startsWith(`${exchange}#`));
  expect(conns.map((c) => c.id)).not.toContain(closed.connectionId);
  expect(conns.map((c) => c.id)).toContain(closed.details?.['replacedBy']);
  expect(harness.sim.connectionCount(exchange)).toBe(1);
}

describe('make-before-break', () => {
  it('binance serverShutdown: the replacement takes over both books with no resync and no hole', async () => {
    const checked = await start('binance', { sim: { shutdownCloseDelayMs: 6_000 } });
    const from = h!.events.length;
    h!.sim.fault('binance', { kind: 'server-shutdown', symbol: 'BTC/USDT' });
    const closed = await h!.waitFor(replaced('binance'), 'old connection replaced');
    expect(closed.code).toBe('TW_ERR_SERVER_SHUTDOWN');
    await expectSeamless('binance', from, checked, closed);
  });

  it('binance maxConnectionAgeMs: connections are replaced before their age limit, repeatedly, seamlessly', async () => {
    const checked = await start('binance', { config: { maxConnectionAgeMs: 1_500 } });
    const from = h!.events.length;
    const first = await h!.waitFor(replaced('binance'), 'first replacement');
    expect(first.code).toBe('TW_OK');
    const second = await h!.waitFor(
      (e) => replaced('binance')(e) && e.connectionId === first.details?.['replacedBy'],
      'the replacement replaced in turn',
    );
    await expectSeamless('binance', from, checked, second as StatusEvent);
  });

  it('okx notice 64008: the replacement takes over both books with no resync and no hole', async () => {
    const checked = await start('okx', { sim: { shutdownCloseDelayMs: 6_000 } });
    const from = h!.events.length;
    h!.sim.fault('okx', { kind: 'server-shutdown', symbol: 'BTC/USDT' });
    const closed = await h!.waitFor(replaced('okx'), 'old connection replaced');
    expect(closed.code).toBe('TW_ERR_SERVER_SHUTDOWN');
    await expectSeamless('okx', from, checked, closed);
  });

  it('binance close right after the notice: books still on it say resyncing, then go live on the replacement', async () => {
    await start('binance', { sim: { shutdownCloseDelayMs: 0 } });
    const from = h!.events.length;
    h!.sim.fault('binance', { kind: 'server-shutdown', symbol: 'BTC/USDT' });
    const resync = await h!.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }), 'BTC resyncing');
    expect(resync.code).toBe('TW_ERR_RECONNECTED');
    await h!.waitFor(replaced('binance'), 'old connection replaced');
    for (const s of SYMBOLS) await expectBookEqualsTruth(h!, 'binance', s);
    expect(h!.events.slice(from).some((e) => e.type === 'status' && e.scope === 'connection' && e.state === 'reconnecting')).toBe(true);
    expect(h!.sim.connectionCount('binance')).toBe(1);
  });
});
