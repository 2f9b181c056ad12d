/**
 * Test helper: read the recorded Binance captures in fixtures/binance/ and replay them through an adapter's real
 * parser and BookSync, checking every recorded bookTicker against the rebuilt book.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { BookSync } from '../../src/book/book-sync.js';
import type { BookRules, ExchangeAdapter } from '../../src/exchanges/types.js';
import { MarketEvent, type Level, type UnstampedEvent } from '../../src/schema/events.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/binance/', import.meta.url));

/** One recorded item in arrival order: a WebSocket frame, or a REST depth body for `market`. */
export type Recorded = { kind: 'frame'; time: number; text: string } | { kind: 'rest'; time: number; market: string; text: string };

/** cryptofeed `X.ws.N.0` (`ts: json` per received frame) + `X.http.0.0` (`URL -> ts: json`), merged by time. */
export function readCryptofeed(wsFile: string, httpFile: string): Recorded[] {
  const out: Recorded[] = [];
  for (const line of readFileSync(FIXTURES + wsFile, 'utf8').split('\n')) {
    const m = /^(\d+\.\d+): (\{.*)$/.exec(line);
    if (m !== null) out.push({ kind: 'frame', time: Number(m[1]), text: m[2]! });
  }
  for (const line of readFileSync(FIXTURES + httpFile, 'utf8').split('\n')) {
    const m = /^(\S+) -> (\d+\.\d+): (\{.*)$/.exec(line);
    if (m === null) continue;
    const market = new URL(m[1]!).searchParams.get('symbol')!;
    out.push({ kind: 'rest', time: Number(m[2]), market, text: m[3]! });
  }
  return out.sort((a, b) => a.time - b.time); // stable: same-time items keep file order
}

/** hftbacktest `.gz`: `<local ns> <json>` per line; the inline `{"lastUpdateId":…}` line is the REST snapshot. */
export function readHftbacktest(file: string, market: string): Recorded[] {
  const text = gunzipSync(readFileSync(FIXTURES + file)).toString('utf8');
  const out: Recorded[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const sp = line.indexOf(' ');
    const time = Number(line.slice(0, sp)) / 1e9;
    const json = line.slice(sp + 1);
    out.push(json.startsWith('{"lastUpdateId"') ? { kind: 'rest', time, market, text: json } : { kind: 'frame', time, text: json });
  }
  return out;
}

export interface ReplayStats {
  frames: number;
  unknown: number;
  byKind: Record<string, number>;
  /** Resync/gap/stale statuses (should be none). */
  problems: UnstampedEvent[];
  snapshotRequests: number;
  /** Markets that went live. */
  live: Set<string>;
  deltasEmitted: number;
  /** The emitted `book_delta` events. */
  deltas: UnstampedEvent[];
  /** Diffs (by market) that were dropped as already included in the snapshot are not counted anywhere. */
  tickersAtBoundary: number;
  tickersMatched: number;
  mismatches: { market: string; u: number; ticker: [Level, Level]; book: [Level | undefined, Level | undefined] }[];
}

/**
 * Replay `items` through `adapter.parse` and one BookSync per market (with `rules`, default the adapter's own).
 * `mutate` may drop or alter frames (return undefined to drop).
 */
export function replay(
  adapter: ExchangeAdapter,
  items: readonly Recorded[],
  opts: { rules?: BookRules; mutate?: (text: string, index: number) => string | undefined } = {},
): ReplayStats {
  const rules = opts.rules ?? adapter.book;
  const stats: ReplayStats = {
    frames: 0,
    unknown: 0,
    byKind: {},
    problems: [],
    snapshotRequests: 0,
    live: new Set(),
    deltasEmitted: 0,
    deltas: [],
    tickersAtBoundary: 0,
    tickersMatched: 0,
    mismatches: [],
  };
  const syncs = new Map<string, BookSync>();
  /** market → update id → best bid/ask right after the book reached that id. */
  const tops = new Map<string, Map<number, [Level | undefined, Level | undefined]>>();
  const tickers: { market: string; u: number; bid: Level; ask: Level }[] = [];
  const ctx = { bookDepth: 1000, instruments: new Map() };
  let localTime = 1;

  const syncFor = (market: string): BookSync => {
    let s = syncs.get(market);
    if (s === undefined) {
      const top = new Map<number, [Level | undefined, Level | undefined]>();
      tops.set(market, top);
      const sync: BookSync = new BookSync({
        exchange: adapter.id,
        symbol: market,
        market,
        rules,
        subscribedDepth: 1000,
        requestSnapshot: () => stats.snapshotRequests++,
        requestResubscribe: () => {},
        emit: (e) => {
          MarketEvent.parse({ ...e, seq: 1, epoch: 'replay' }); // every emitted event is schema-valid
          if (e.type === 'book_delta' || e.type === 'book_snapshot') {
            if (e.type === 'book_delta') {
              stats.deltasEmitted++;
              stats.deltas.push(e);
            }
            if (e.updateId !== undefined) top.set(e.updateId, [sync.book.bestBid(), sync.book.bestAsk()]);
          } else if (e.type === 'status') {
            if (e.state === 'live') stats.live.add(market);
            if (e.code !== 'TW_OK') stats.problems.push(e);
          }
        },
      });
      sync.start(localTime);
      syncs.set(market, sync);
      s = sync;
    }
    return s;
  };

  items.forEach((item, index) => {
    localTime++;
    if (item.kind === 'rest') {
      syncFor(item.market).onSnapshot(rules.parseSnapshot!(item.text), localTime);
      return;
    }
    const text = opts.mutate === undefined ? item.text : opts.mutate(item.text, index);
    if (text === undefined) return;
    stats.frames++;
    for (const m of adapter.parse(text, ctx)) {
      stats.byKind[m.kind] = (stats.byKind[m.kind] ?? 0) + 1;
      if (m.kind === 'unknown') stats.unknown++;
      else if (m.kind === 'book') syncFor(m.market).onMessage(m, localTime);
      else if (m.kind === 'ticker' && m.fields.updateId !== undefined) {
        const f = m.fields;
        tickers.push({ market: m.market, u: f.updateId!, bid: [f.bidPrice!, f.bidSize!], ask: [f.askPrice!, f.askSize!] });
      }
    }
  });

  // a bookTicker may arrive before or after the diff with the same id: compare once everything is replayed
  for (const t of tickers) {
    const top = tops.get(t.market)?.get(t.u);
    if (top === undefined) continue;
    stats.tickersAtBoundary++;
    const [bid, ask] = top;
    if (sameLevel(bid, t.bid) && sameLevel(ask, t.ask)) stats.tickersMatched++;
    else stats.mismatches.push({ market: t.market, u: t.u, ticker: [t.bid, t.ask], book: [bid, ask] });
  }
  return stats;
}

function sameLevel(a: Level | undefined, b: Level): boolean {
  return a !== undefined && a[0] === b[0] && a[1] === b[1];
}
