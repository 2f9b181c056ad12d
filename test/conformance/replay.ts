/**
 * Generic capture replay for the conformance suite: recorded frames (and REST snapshot bodies) through an adapter's
 * real `parse` and one real `BookSync` per market, counting what the feed proved: checksums verified or failed,
 * deltas the continuity rules applied, and every status that is not `TW_OK`.
 */
import { BookSync } from '../../src/book/book-sync.js';
import type { AdapterContext, BookRules, DeltaMessage, ExchangeAdapter } from '../../src/exchanges/types.js';
import { MarketEvent, type UnstampedEvent } from '../../src/schema/events.js';

/** One recorded item in arrival order: a WebSocket text frame, or a REST depth body for `market`. */
export type Recorded = { kind: 'frame'; text: string } | { kind: 'rest'; market: string; text: string };

/** Levels from the top within which candidates are looked for (every checksum here covers ≤ 25). */
const TOP = 25;

/** A level of a book message that the book still holds after the message, `rank` levels from the top. */
export interface Candidate {
  item: number;
  market: string;
  side: 'bids' | 'asks';
  price: string;
  size: string;
  rank: number;
  updateId?: number;
}

export interface ReplayResult {
  bookMessages: number;
  checksumsVerified: number;
  checksumsFailed: number;
  /** Deltas the continuity rules (`first`/`next`) judged `apply`. */
  chained: number;
  /** Statuses whose code is not `TW_OK`. */
  problems: UnstampedEvent[];
  events: UnstampedEvent[];
  syncs: Map<string, BookSync>;
  restRequests: string[];
  resubscribes: string[];
  /** Nonzero levels of deltas applied to live books, with their rank after the delta was applied (for altering a frame). */
  candidates: Candidate[];
}

export function replay(
  adapter: ExchangeAdapter,
  items: readonly Recorded[],
  opts: { rules?: BookRules; ctx?: AdapterContext; depth?: number } = {},
): ReplayResult {
  const ctx = opts.ctx ?? { bookDepth: opts.depth ?? 1000, instruments: new Map() };
  const r: ReplayResult = {
    bookMessages: 0,
    checksumsVerified: 0,
    checksumsFailed: 0,
    chained: 0,
    problems: [],
    events: [],
    syncs: new Map(),
    restRequests: [],
    resubscribes: [],
    candidates: [],
  };
  const counting = (base: BookRules): BookRules => ({
    ...base,
    first(id, delta) {
      const c = base.first(id, delta);
      if (c === 'apply') r.chained++;
      return c;
    },
    next(id, delta, prev) {
      const c = base.next(id, delta, prev);
      if (c === 'apply') r.chained++;
      return c;
    },
    ...(base.verifyChecksum
      ? {
          verifyChecksum(book, msg) {
            const v = base.verifyChecksum!(book, msg);
            if (v === true) r.checksumsVerified++;
            if (v === false) r.checksumsFailed++;
            return v;
          },
        }
      : {}),
    ...(base.variantFor
      ? {
          variantFor(snap: DeltaMessage) {
            const v = base.variantFor!(snap);
            return v === undefined ? undefined : counting(v);
          },
        }
      : {}),
  });
  const rules = counting(opts.rules ?? adapter.book);
  let t = 1;
  const appliedLive = new Map<string, number>();
  const syncFor = (market: string): BookSync => {
    let sync = r.syncs.get(market);
    if (sync === undefined) {
      sync = new BookSync({
        exchange: adapter.id,
        symbol: market,
        market,
        rules,
        subscribedDepth: ctx.bookDepth,
        requestSnapshot: () => r.restRequests.push(market),
        requestResubscribe: () => r.resubscribes.push(market),
        emit: (e) => {
          MarketEvent.parse({ ...e, seq: 1, epoch: 'replay' }); // every emitted event is schema-valid
          r.events.push(e);
          if (e.type === 'status' && e.code !== 'TW_OK') r.problems.push(e);
        },
      });
      sync.start(t);
      r.syncs.set(market, sync);
    }
    return sync;
  };
  items.forEach((item, index) => {
    t++;
    if (item.kind === 'rest') {
      syncFor(item.market).onSnapshot(rules.parseSnapshot!(item.text), t);
      return;
    }
    for (const m of adapter.parse(item.text, ctx)) {
      if (m.kind !== 'book') continue;
      r.bookMessages++;
      const sync = syncFor(m.market);
      const wasLive = sync.state === 'live';
      sync.onMessage(m, t);
      // applied (not dropped as already in the snapshot) to a book that was and stays live, after another applied
      // delta (the first one after a snapshot may end exactly at the snapshot's id: changing it loses nothing)
      if (!wasLive || sync.state !== 'live' || m.action !== 'delta' || (m.updateId !== undefined && sync.updateId !== m.updateId)) continue;
      const before = appliedLive.get(m.market) ?? 0;
      appliedLive.set(m.market, before + 1);
      if (before === 0) continue;
      if (r.candidates.length >= 500) continue;
      const top = sync.book.top(TOP);
      for (const side of ['bids', 'asks'] as const) {
        for (const [price, size] of m[side]) {
          const rank = top[side].findIndex((l) => Number(l[0]) === Number(price));
          if (rank >= 0 && Number(size) !== 0) r.candidates.push({ item: index, market: m.market, side, price, size, rank, updateId: m.updateId });
        }
      }
    }
  });
  return r;
}

/** The frames of a capture (REST bodies left out). */
export const framesOf = (items: readonly Recorded[]): string[] => items.flatMap((i) => (i.kind === 'frame' ? [i.text] : []));

/** Frames as recorded items. */
export const asItems = (frames: readonly string[]): Recorded[] => frames.map((text) => ({ kind: 'frame', text }));
