/**
 * Gate.io spot book rules (docs/protocols/gateio.md#book): `spot.order_book_update` pushes carry the first and last
 * book id since the previous push (`U`/`u`); the base book comes from REST `GET /api/v4/spot/order_book` with
 * `with_id=true` (its `id`). Gate's documented procedure, which these rules implement:
 *
 * - snapshot older than the buffer: `id + 1 < U` of the first buffered push → fetch again;
 * - drop every push with `u < id + 1` (it is already in the book);
 * - the first applied push contains `id + 1`: `U <= id + 1 <= u`;
 * - afterwards, with the local id L (the last applied `u`): `u <= L` → drop, `U > L + 1` → gap (updates were lost:
 *   rebuild from a new REST snapshot), else apply. Sizes are absolute, so a push overlapping L applies cleanly.
 *
 * A push with `full: true` is a full-depth book of the subscribed level: it replaces the book and its id becomes `u`
 * (parse.ts turns it into an in-band snapshot; BookSync takes those in any state). The channel is defined at a fixed
 * depth (`100ms` → 100 levels, `20ms` → 20), so the book is cut to that depth after every message.
 *
 * Integrity `chained`: every push is checked against the local id; there is no checksum.
 */
import { TwError } from '../../errors.js';
import type { BookRules, Continuity, DeltaMessage, RestRequest, RestSnapshot } from '../types.js';
import { RestError, RestOrderBook } from './wire.js';

/** `spot.order_book_update` intervals and the depth each carries. */
export const BOOK_INTERVALS = [
  { interval: '20ms', depth: 20 },
  { interval: '100ms', depth: 100 },
] as const;

/** The shallowest channel at least as deep as asked (unset or deeper than 100 → the 100-level channel). */
export function bookChannelFor(requested: number): { interval: string; depth: number } {
  for (const c of BOOK_INTERVALS) if (requested > 0 && requested <= c.depth) return c;
  return BOOK_INTERVALS[BOOK_INTERVALS.length - 1]!;
}

function continuity(local: number, d: DeltaMessage): Continuity {
  const U = d.firstUpdateId;
  const u = d.updateId;
  if (U === undefined || u === undefined) return 'gap';
  if (u <= local) return 'drop';
  return U > local + 1 ? 'gap' : 'apply';
}

export function parseOrderBook(body: string): RestSnapshot {
  const v: unknown = JSON.parse(body);
  const r = RestOrderBook.safeParse(v);
  if (!r.success) {
    const e = RestError.safeParse(v);
    if (e.success) throw new TwError('TW_ERR_EXCHANGE_ERROR', `gateio order_book: ${e.data.label} ${e.data.message ?? ''}`.trim());
    throw new TwError('TW_ERR_MALFORMED_FRAME', `gateio order_book: unexpected shape (${r.error.issues[0]?.message ?? ''})`);
  }
  const snap: RestSnapshot = { updateId: r.data.id, bids: r.data.bids, asks: r.data.asks };
  if (r.data.update !== undefined) snap.exchangeTime = Math.round(r.data.update * 1000);
  return snap;
}

export const gateioBookRules: BookRules = {
  integrity: 'chained',
  snapshot: 'rest',
  resync: 'rest',
  snapshotRequest(market: string, depth: number): RestRequest {
    // no deeper than the channel can keep (the book is cut to it); Gate's own example asks 100 with the 100 ms channel
    const limit = Math.min(Math.max(1, Math.floor(depth)), 100);
    return { path: `/api/v4/spot/order_book?currency_pair=${encodeURIComponent(market)}&limit=${limit}&with_id=true`, weight: 1 };
  },
  parseSnapshot: parseOrderBook,
  snapshotTooOld: (id, first) => first.firstUpdateId !== undefined && id + 1 < first.firstUpdateId,
  first(id, d) {
    const U = d.firstUpdateId;
    const u = d.updateId;
    if (U === undefined || u === undefined) return 'gap';
    if (u < id + 1) return 'drop';
    return U <= id + 1 ? 'apply' : 'gap';
  },
  next: (local, d) => continuity(local, d),
  truncateTo: (subscribedDepth) => bookChannelFor(subscribedDepth).depth,
};
