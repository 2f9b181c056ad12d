/**
 * The fault matrix runner: `defineMatrix(exchange)` turns the exchange's column of test/faults/matrix.json into
 * tests. Every applicable cell: 3 books on 2 connections are live → the fault is injected → a status naming it
 * arrives → the affected books are live again and equal the simulator's true book at the same update id after ≥ 50
 * further deltas → the books outside the blast radius never left `live` and have no hole in `seq` → and, checked on
 * every book event all along, no book was ever `live` while different from the truth at its update id.
 * Cells marked `fails` in the table are known-red (it.fails): they turn this suite red as soon as they are fixed,
 * so the table (and the README generated from it) is updated. Cells marked `red` are known-red cells whose outcome
 * depends on timing (they would make an expected failure flaky): listed, not run.
 * Cells marked `detects` are faults the feed cannot show when they happen (a lost update on a feed without sequence
 * or checksum, integrity `none`): the book may be live and different from the loss until tickwire's own check finds
 * it, so the cell names that check's codes and a bound, and the runner asserts the status came within the bound
 * (measured from the injection), then everything else as for `applies`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ExchangeId, MarketEvent, StatusEvent } from '../../src/schema/events.js';
import type { SimFault } from '../../src/sim/types.js';
import type { TwCode } from '../../src/errors.js';
import { expectBookEqualsTruth, startHarness, troubleElsewhere, type Consumer } from '../helpers/harness.js';
import { startCliConsumer } from './cli-consumer.js';
import { loadAdapters } from '../../src/exchanges/registry.js';
import { names as namesMarket } from '../conformance/checks.js';
import { blastRadius, SCENARIOS, SYMBOLS as GENERIC_SYMBOLS, simSymbolsFor, symbolOn, type Scenario } from './scenarios.js';

const adapters = await loadAdapters();

export interface Detects {
  /** The status naming the fault comes within this many ms of the injection. */
  withinMs: number;
  /** Its codes (instead of the row's). */
  codes: TwCode[];
  reason: string;
}
export type Cell = 'applies' | { detects: Detects } | { na: string } | { ns: string } | { fails: string } | { red: string };
export interface MatrixRow {
  id: string;
  fault: string;
  expect: string;
  cells: Record<ExchangeId, Cell>;
}
export const MATRIX = JSON.parse(readFileSync(new URL('./matrix.json', import.meta.url), 'utf8')) as { exchanges: ExchangeId[]; rows: MatrixRow[] };

/** Rows whose fault hits one book's data: its resync (resubscribe or REST) may send requests naming that book only. */
const WIRE_SCOPED = ['chain-break', 'checksum'];

/** Levels compared per side (within every feed's subscribed depth). */
const DEPTH = 20;
/**
 * Kraken and Coinbase books carry no update id: they are compared with the market paused (Kraken at the top of its
 * checksum depth); their continuous check is the exchange's own (checksum / sequence) inside tickwire.
 */
const KRAKEN_DEPTH = 10;

const CONFIG = {
  channels: ['book' as const],
  symbolsPerConnection: 2,
  noDataTimeoutMs: 4_000,
  staleAfterMs: 2_000,
  restTimeoutMs: 2_000,
  /** The full-book check of integrity-`none` books (the `detects` cells' bound is 3 of these + REST time). */
  bookCheckIntervalMs: 500,
};

/** Continuous check: on every book event of a `live` book with an update id, its top equals the truth at that id. */
function monitor(c: Consumer, ex: ExchangeId): { violations: string[]; checked: () => number } {
  const state = new Map<string, string>();
  const violations: string[] = [];
  let checked = 0;
  c.tap((e: MarketEvent) => {
    if (e.type === 'status' && e.scope === 'stream' && e.channel === 'book' && e.symbol) state.set(e.symbol, e.state);
    if ((e.type !== 'book_delta' && e.type !== 'book_snapshot') || e.updateId === undefined) return;
    if (state.get(e.symbol) !== 'live') return;
    const mine = c.books.get(`${ex}:${e.symbol}`)?.book.top(DEPTH);
    const truth = c.sim.trueBookAt(ex, e.symbol, e.updateId);
    if (!mine || !truth) return;
    checked++;
    if (JSON.stringify(mine) !== JSON.stringify({ bids: truth.bids.slice(0, DEPTH), asks: truth.asks.slice(0, DEPTH) })) {
      violations.push(`${e.symbol} live but different from the truth at ${e.updateId}`);
    }
  });
  return { violations, checked: () => checked };
}

const isBookStatus = (ex: ExchangeId, symbol: string, state: string) => (e: MarketEvent): boolean =>
  e.type === 'status' && e.scope === 'stream' && e.exchange === ex && e.symbol === symbol && e.channel === 'book' && e.state === state;

function lastBookState(c: Consumer, ex: ExchangeId, symbol: string): string | undefined {
  for (let i = c.events.length - 1; i >= 0; i--) {
    const e = c.events[i]!;
    if (e.type === 'status' && e.scope === 'stream' && e.exchange === ex && e.symbol === symbol && e.channel === 'book') return e.state;
  }
  return undefined;
}

async function waitLive(c: Consumer, ex: ExchangeId, symbol: string, timeoutMs = 15_000): Promise<void> {
  if (lastBookState(c, ex, symbol) === 'live') return;
  await c.waitFor(isBookStatus(ex, symbol, 'live'), `${ex}:${symbol} live`, timeoutMs);
}

/** The final comparison: at the same update id (harness), or for feeds without ids with the market paused. */
async function expectEqualsTruth(c: Consumer, ex: ExchangeId, symbol: string): Promise<void> {
  const key = `${ex}:${symbol}`;
  if (c.books.get(key)?.updateId !== undefined) {
    await expectBookEqualsTruth(c, ex, symbol, 50, DEPTH);
    return;
  }
  const depth = ex === 'kraken' ? KRAKEN_DEPTH : DEPTH;
  const base = c.books.get(key)?.applied ?? 0;
  await c.waitFor((e) => e.type === 'book_delta' && e.symbol === symbol && (c.books.get(key)?.applied ?? 0) - base >= 50, `50 deltas on ${key}`, 15_000);
  c.sim.pause();
  try {
    const same = (): boolean => {
      const t = c.sim.trueBook(ex, symbol)!;
      return JSON.stringify(c.books.get(key)!.book.top(depth)) === JSON.stringify({ bids: t.bids.slice(0, depth), asks: t.asks.slice(0, depth) });
    };
    for (let i = 0; i < 20 && !same(); i++) {
      await c.waitFor((e) => e.type === 'book_delta' && e.symbol === symbol, 'in-flight delta', 250).catch(() => undefined);
    }
    const t = c.sim.trueBook(ex, symbol)!;
    expect(c.books.get(key)!.book.top(depth)).toEqual({ bids: t.bids.slice(0, depth), asks: t.asks.slice(0, depth) });
  } finally {
    c.sim.resume();
  }
}

/** No hole in `seq` per stream key among `symbols`' events since `from`. */
function seqHoles(c: Consumer, ex: ExchangeId, symbols: string[], from: number): string[] {
  const last = new Map<string, number>();
  const holes: string[] = [];
  for (const e of c.events.slice(from)) {
    if (e.exchange !== ex || !('symbol' in e) || !e.symbol || !symbols.includes(e.symbol) || e.seq === undefined) continue;
    // statuses and data are counted apart
    const key = `${e.symbol}@${'channel' in e && e.channel ? e.channel : e.type.startsWith('book') ? 'book' : e.type}:${e.type === 'status' ? 'status' : 'data'}:${e.epoch}`;
    const prev = last.get(key);
    if (prev !== undefined && e.seq !== prev + 1) holes.push(`${key} ${prev} → ${e.seq}`);
    last.set(key, e.seq);
  }
  return holes;
}

async function runCell(ex: ExchangeId, rowId: string, viaCli: boolean, detects?: Detects): Promise<void> {
  const row: Scenario | undefined = SCENARIOS[rowId];
  if (!row) throw new Error(`no scenario for row ${rowId}`);
  // the column's own markets where its exchange lists no BTC/USDT (scenarios.ts: symbolOn)
  const on = (s: string): string => symbolOn(ex, s);
  const SYMBOLS = GENERIC_SYMBOLS.map(on);
  const BTC = on('BTC/USDT');
  const sc: Scenario = {
    ...row,
    hit: blastRadius(ex, row.hit).map(on),
    ...(row.statusSymbol !== undefined ? { statusSymbol: on(row.statusSymbol) } : {}),
    ...(detects ? { codes: detects.codes } : {}),
  };
  const markets = [...SYMBOLS, ...(sc.extraMarkets ?? []).map(on)].map((s) => `${ex}:${s}`);
  const simSymbols = simSymbolsFor(ex);
  const sim = { levels: 200, ...(simSymbols ? { symbols: simSymbols } : {}) };
  const opts = { exchanges: [ex], markets, sim, config: CONFIG, ...(sc.before ? { beforeHub: (s: Parameters<NonNullable<Scenario['before']>>[0]) => sc.before!(s, ex) } : {}) };
  const c: Consumer = viaCli ? await startCliConsumer(opts) : await startHarness(opts);
  try {
    const mon = monitor(c, ex);
    const onColumn = (f: SimFault): SimFault => ('symbol' in f && typeof f.symbol === 'string' ? { ...f, symbol: on(f.symbol) } : f);
    const inject = viaCli
      ? async (f: SimFault): Promise<void> => {
          const r = await fetch(`${c.sim.endpoints[ex]!.rest}/_sim/fault`, { method: 'POST', body: JSON.stringify(onColumn(f)) });
          expect(r.status, await r.text()).toBe(200);
        }
      : async (f: SimFault): Promise<void> => c.sim.fault(ex, onColumn(f));
    for (const s of SYMBOLS) await waitLive(c, ex, s, 20_000);
    const from = c.events.length; // every book live: nothing outside the blast radius may leave live from here
    let statusFrom = sc.fromStart ? 0 : from;
    const wireFrom = c.sim.entries(ex).length;
    let injectedAt = Date.now();
    await sc.inject?.(c, ex, inject);
    const names = (e: MarketEvent): e is StatusEvent =>
      e.type === 'status' &&
      e.exchange === ex &&
      (sc.codes as string[]).includes(e.code) &&
      (sc.statusSymbol !== undefined ? e.symbol === sc.statusSymbol : e.scope === 'connection' || sc.hit.includes(e.symbol ?? ''));
    if (detects) {
      // a resync of the hit book for another reason (a load-induced --book-pause) before the check found the loss
      // replaces the damaged book: nothing is left to detect, so the fault is injected again (at most 3 times)
      const otherResync = (e: MarketEvent): boolean =>
        e.type === 'status' && e.exchange === ex && sc.hit.includes(e.symbol ?? '') && e.state === 'resyncing' && !names(e);
      for (let tries = 1; tries < 3; tries++) {
        const wait = Math.max(0, detects.withinMs - (Date.now() - injectedAt));
        const seen = c.events.slice(statusFrom).find((e) => names(e) || otherResync(e));
        const first = seen ?? (await c.waitFor((e) => names(e) || otherResync(e), 'a resync', wait).catch(() => undefined));
        if (first === undefined || names(first)) break;
        for (const s of sc.hit) await waitLive(c, ex, s);
        statusFrom = c.events.length;
        injectedAt = Date.now();
        await sc.inject?.(c, ex, inject);
      }
    }
    if (!c.events.slice(statusFrom).some(names)) {
      const wait = detects ? Math.max(0, detects.withinMs - (Date.now() - injectedAt)) : 10_000;
      await c.waitFor(names, `a status ${sc.codes.join('|')} naming ${rowId}${detects ? ` within ${detects.withinMs} ms` : ''}`, wait).catch((err: Error) => {
        const seen = c.events.slice(statusFrom).filter((e): e is StatusEvent => e.type === 'status' && e.state !== 'live' && e.code !== 'TW_OK');
        throw new Error(`${err.message}; statuses seen: ${JSON.stringify(seen.map((e) => [e.scope, e.symbol, e.state, e.code, e.reason.slice(0, 80)]).slice(0, 6))}`);
      });
    }
    if (sc.clearAfterStatus !== false) c.sim.clearFaults(ex);
    if (sc.retryAfterMs !== undefined) {
      const restLog = c.sim.entries(ex).filter((e) => e.kind === 'rest' && !e.data?.startsWith('/_sim/'));
      const i = restLog.findIndex((e) => e.status === 429 || e.status === 418 || e.status === 403);
      expect(i, 'a rate-limited REST answer').toBeGreaterThanOrEqual(0);
      await c.waitFor(() => c.sim.entries(ex).filter((e) => e.kind === 'rest' && !e.data?.startsWith('/_sim/')).length > i + 1, 'the next REST request', 10_000).catch(() => undefined);
      const next = c.sim.entries(ex).filter((e) => e.kind === 'rest' && !e.data?.startsWith('/_sim/'))[i + 1];
      expect(next, 'a REST request after the 429/418').toBeDefined();
      expect(next!.time - restLog[i]!.time, 'waited Retry-After').toBeGreaterThanOrEqual(sc.retryAfterMs - 100);
    }
    for (const s of SYMBOLS) {
      await waitLive(c, ex, s);
      if (sc.hit.includes(s) || s === BTC) await expectEqualsTruth(c, ex, s);
    }
    const others = SYMBOLS.filter((s) => !sc.hit.includes(s));
    expect(troubleElsewhere(c, from, sc.hit.map((s) => [ex, s] as [ExchangeId, string])).filter((e) => others.includes(e.symbol ?? '')), 'books outside the blast radius stayed live').toEqual([]);
    expect(seqHoles(c, ex, others, from), 'no hole in seq outside the blast radius').toEqual([]);
    if (WIRE_SCOPED.includes(rowId)) {
      // the resync touched the wire for the hit book only: no request after the injection names another market
      const sent = c.sim.entries(ex).slice(wireFrom).filter((e) => e.kind === 'ws-recv');
      expect(sent.filter((e) => others.some((s) => namesMarket(e.data ?? '', adapters[ex].toMarket(s)))).map((e) => e.data), 'requests naming books outside the blast radius').toEqual([]);
    }
    expect(mon.violations, 'never live and different from the truth').toEqual([]);
    if (c.books.get(`${ex}:${BTC}`)?.updateId !== undefined) expect(mon.checked()).toBeGreaterThan(50);
  } finally {
    await c.close();
  }
}

export { expectEqualsTruth, waitLive };

export function defineMatrix(ex: ExchangeId): void {
  describe.concurrent(`fault matrix: ${ex}`, () => {
    for (const row of MATRIX.rows) {
      const cell = row.cells[ex];
      const viaCli = row.id.startsWith('cli-');
      // skipped cells carry their reason in the title: n/a or not simulable (matrix.json), or red and timing-dependent
      if (cell === 'applies') it(`${row.id}: ${row.fault}`, () => runCell(ex, row.id, viaCli), 60_000);
      else if ('detects' in cell) {
        it(`${row.id}: ${row.fault} (detected within ${cell.detects.withinMs} ms: ${cell.detects.reason})`, () => runCell(ex, row.id, viaCli, cell.detects), 60_000);
      }
      // skipped on purpose: a cell whose outcome depends on timing is listed red in the matrix (its reason in the name)
      else if ('red' in cell) it.skip(`${row.id} (known red, not run: it passes or fails with timing: ${cell.red})`, () => undefined);
      else if ('fails' in cell) it.fails(`${row.id} (known red: ${cell.fails})`, () => runCell(ex, row.id, viaCli), 60_000);
      // skipped on purpose: the fault does not apply to this exchange, or the simulator cannot produce it (reason in the name)
      else it.skip(`${row.id}: ${'na' in cell ? `not applicable: ${cell.na}` : `not simulable: ${cell.ns}`}`, () => undefined);
    }
  });
}
