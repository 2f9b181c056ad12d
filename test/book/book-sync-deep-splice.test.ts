/**
 * A shallow first snapshot deepened by a deep one that answers after the book has moved on: the deltas applied since
 * the deep request went out (`keepForDeepen`) bring the deep snapshot to the book's id (`spliceSnapshot`), where it is
 * compared and adopted. Checked against an independent model (a plain Map book with its state after every change
 * id) over seeded random sequences: lagging, mid-event, straddled and ahead-of-the-book deep snapshots, lost deltas,
 * resyncs. Invariant: whenever the sync is live its book equals the model within what it verified (the shallow
 * snapshot's range, the whole book once deepened); a correct book never mismatches; a wrong one is never adopted.
 */
import { describe, expect, it } from 'vitest';
import { binanceBtcSync } from './binance-sync.js';
import { spliceSnapshot } from '../../src/book/deep-splice.js';
import { binanceSpotBookRules } from '../../src/exchanges/binance/index.js';
import type { DeltaMessage, RestSnapshot } from '../../src/book/rules.js';
import type { Level, UnstampedEvent } from '../../src/schema/events.js';
import { MarketEvent } from '../../src/schema/events.js';
import { mulberry32 } from '../../src/util/prng.js';

const SHALLOW = 8;
const HISTORY = 300;

/** The model: integer prices (bids ≤ 5000 < asks), absolute sizes, its book after every change id. */
class Model {
  readonly bids = new Map<number, string>();
  readonly asks = new Map<number, string>();
  id = 100;
  private readonly history = new Map<number, { bids: Level[]; asks: Level[] }>();

  constructor() {
    for (let k = 0; k < 25; k++) {
      this.bids.set(5000 - k * 2, '1');
      this.asks.set(5001 + k * 2, '1');
    }
    this.record();
  }

  /** One change with its own id. */
  change(bid: boolean, price: number, size: string): void {
    const side = bid ? this.bids : this.asks;
    if (size === '0') side.delete(price);
    else side.set(price, size);
    this.id++;
    this.record();
  }

  at(id: number, depth = Infinity): RestSnapshot {
    const b = this.history.get(id);
    if (b === undefined) throw new Error(`model: no book at ${id}`);
    return { updateId: id, bids: b.bids.slice(0, depth), asks: b.asks.slice(0, depth) };
  }

  private record(): void {
    const ladder = (m: Map<number, string>, desc: boolean): Level[] =>
      [...m.entries()].sort((x, y) => (desc ? y[0] - x[0] : x[0] - y[0])).map(([p, q]) => [String(p), q]);
    this.history.set(this.id, { bids: ladder(this.bids, true), asks: ladder(this.asks, false) });
    this.history.delete(this.id - HISTORY);
  }
}

/** Levels of `ladder` within [floor, ceil] of a bid ladder (desc) or ask ladder (asc). */
function within(ladder: readonly Level[], bound: number, bid: boolean): Level[] {
  return ladder.filter(([p]) => (bid ? Number(p) >= bound : Number(p) <= bound));
}

describe.each([1, 2, 3, 4])('BookSync: deep snapshots spliced with the deltas kept since their request (seed %i)', (seed) => {
  it('live books equal the model where verified, deepening lands on fast books, nothing mismatches', () => {
    const rand = mulberry32(seed);
    const model = new Model();
    const events: UnstampedEvent[] = [];
    let snapshotWanted = false;
    const sync = binanceBtcSync(events, { requestSnapshot: () => (snapshotWanted = true), maxBuffer: 500 });

    let shallowServe: { due: number } | undefined;
    /** The deep request in flight: answered at step `due` with the model's book at `snapId` (chosen when served). */
    let deep: { due: number; snapId: number | undefined; servedAt: number } | undefined;
    let deepened = false;
    let range: { bidFloor: number; askCeil: number } | undefined;
    let lastShallow: RestSnapshot | undefined;
    let scanned = 0;
    /** Follow the sync's statuses in order: what its book is verified to, and whether a deep request is wanted. */
    const track = (): void => {
      for (; scanned < events.length; scanned++) {
        const e = events[scanned]!;
        if (e.type !== 'status') continue;
        if (e.state === 'resyncing' || e.state === 'live') {
          deepened = false;
          deep = undefined; // the driver starts a new deep request on every live
        }
        // live from the last shallow snapshot: verified within its range until deepened
        if (e.state === 'live') range = { bidFloor: Number(lastShallow!.bids.at(-1)![0]), askCeil: Number(lastShallow!.asks.at(-1)![0]) };
        if (e.state === 'reconciled' && e.details?.['deepened'] === true) {
          deepened = true;
          counts.deepened++;
          if (deep?.snapId === -1) deep = undefined;
        }
      }
    };
    const counts = { spliced: 0, deepened: 0, skipped: 0, pending: 0, liveChecks: 0, deepChecks: 0 };

    for (let step = 1; step <= 1500; step++) {
      // the market moves: one event of 1–6 changes, ids U..u
      const U = model.id + 1;
      const bids: Level[] = [];
      const asks: Level[] = [];
      const n = 1 + Math.floor(rand() * 6);
      const touched = new Set<string>();
      // a deep snapshot may be taken in the middle of this event (Binance's REST can be inside the next event)
      const midAt = deep !== undefined && deep.snapId === undefined && step >= deep.servedAt && rand() < 0.5 ? Math.floor(rand() * n) : -1;
      for (let k = 0; k < n; k++) {
        if (k === midAt && deep !== undefined) deep.snapId = model.id;
        const bid = rand() < 0.5;
        const price = bid ? 5000 - Math.floor(rand() * 60) : 5001 + Math.floor(rand() * 60);
        const key = `${bid}${price}`;
        if (touched.has(key)) continue;
        touched.add(key);
        const size = rand() < 0.3 ? '0' : String(1 + Math.floor(rand() * 9));
        model.change(bid, price, size);
        (bid ? bids : asks).push([String(price), size]);
      }
      if (model.id < U) continue; // nothing changed
      const msg: DeltaMessage = { kind: 'book', market: 'BTCUSDT', action: 'delta', firstUpdateId: U, updateId: model.id, bids, asks };

      if (deep !== undefined && deep.snapId === undefined && step >= deep.servedAt) {
        // served now, or from a lagging cache: older than the request (then nothing kept reaches back to it)
        deep.snapId = rand() < 0.15 ? Math.max(model.id - HISTORY + 50, model.id - 1 - Math.floor(rand() * 40)) : model.id;
      }
      if (!(rand() < 0.004)) sync.onMessage(msg, step); // a few diffs lost: gap → resync (shallow again)
      if (deepened && rand() < 0.05) sync.invalidate('TW_ERR_RECONNECTED', 'reconnected', step); // shallow again

      // the shallow (re)sync snapshot: served after 0–3 steps at the exchange's current id
      if (snapshotWanted && shallowServe === undefined) {
        snapshotWanted = false;
        shallowServe = { due: step + Math.floor(rand() * 4) };
      }
      if (shallowServe !== undefined && shallowServe.due <= step) {
        shallowServe = undefined;
        lastShallow = model.at(model.id, SHALLOW);
        sync.onSnapshot(lastShallow, step); // live now, or held until the next delta
      }
      track();

      // deepening, as the driver does it: the request goes out (keep deltas from here), is served 0–3 steps later,
      // and its answer arrives 0–8 steps after that
      if (sync.state === 'live' && !deepened && deep === undefined) {
        sync.keepForDeepen();
        const servedAt = step + Math.floor(rand() * 4);
        deep = { due: servedAt + Math.floor(rand() * 9), snapId: undefined, servedAt };
      } else if (deep !== undefined && deep.snapId !== undefined && deep.due <= step && sync.state === 'live') {
        const before = events.length;
        const r = sync.reconcile(model.at(deep.snapId), step, true);
        if (r === 'skipped') counts.skipped++;
        if (r === 'pending') counts.pending++;
        deep = undefined;
        if (r === 'pending') {
          // compared when the book reaches it (or a delta straddles it): hold the next request until then
          deep = { due: Infinity, snapId: -1, servedAt: Infinity };
        }
        for (const e of events.slice(before)) if (e.type === 'status' && e.details?.['splicedDeltas'] !== undefined) counts.spliced++;
      }
      track();
      if (deep?.snapId === -1 && !deepened && sync.deepKeptCount === undefined) deep = undefined; // given up: ask again

      if (sync.state === 'live') {
        const want = model.at(sync.updateId!);
        const got = sync.book.snapshot();
        if (deepened) {
          expect(got).toEqual({ bids: want.bids, asks: want.asks });
          counts.deepChecks++;
        } else {
          expect(within(got.bids, range!.bidFloor, true)).toEqual(within(want.bids, range!.bidFloor, true));
          expect(within(got.asks, range!.askCeil, false)).toEqual(within(want.asks, range!.askCeil, false));
        }
        counts.liveChecks++;
      }
      expect(sync.deepKeptCount ?? 0).toBeLessThanOrEqual(1000);
    }

    const codes = events.flatMap((e) => (e.type === 'status' ? [e.code] : []));
    if (process.env['DEEP_SPLICE_COUNTS']) console.log(seed, counts);
    expect(codes).not.toContain('TW_ERR_RECONCILE_MISMATCH');
    expect(codes).not.toContain('TW_ERR_CROSSED_BOOK');
    expect(codes).toContain('TW_ERR_SEQUENCE_GAP'); // the lost deltas did resync it (shallow again)
    expect(counts.spliced).toBeGreaterThan(15); // deep snapshots older than the book landed…
    expect(counts.deepened).toBeGreaterThan(2 * counts.skipped); // …far more often than not
    expect(counts.deepChecks).toBeGreaterThan(200);
    let seq = 0;
    for (const e of events) MarketEvent.parse({ ...e, seq: ++seq, epoch: 'e' });
  });
});

describe('BookSync: a spliced deep snapshot is never adopted onto a wrong book', () => {
  function live() {
    const model = new Model();
    const events: UnstampedEvent[] = [];
    const sync = binanceBtcSync(events);
    let U = model.id + 1;
    model.change(true, 4990, '5');
    sync.onMessage({ kind: 'book', market: 'BTCUSDT', action: 'delta', firstUpdateId: U, updateId: model.id, bids: [['4990', '5']], asks: [] }, 1);
    sync.onSnapshot(model.at(model.id, SHALLOW), 2);
    expect(sync.state).toBe('live');
    const move = (bid: boolean, price: number, size: string, t: number): void => {
      U = model.id + 1;
      model.change(bid, price, size);
      const l: Level[] = [[String(price), size]];
      sync.onMessage({ kind: 'book', market: 'BTCUSDT', action: 'delta', firstUpdateId: U, updateId: model.id, bids: bid ? l : [], asks: bid ? [] : l }, t);
    };
    return { model, events, sync, move };
  }

  it('the right book: the older deep snapshot, brought forward, deepens it to the model', () => {
    const { model, events, sync, move } = live();
    sync.keepForDeepen();
    move(true, 4998, '7', 3);
    const deepId = model.id;
    move(false, 5003, '0', 4);
    move(true, 4940, '2', 5); // beyond the shallow range: only a deep book knows the levels around it
    expect(sync.deepKeptCount).toBe(3);
    expect(sync.reconcile(model.at(deepId), 6, true)).toBe('compared');
    expect(events.at(-1)).toMatchObject({ state: 'reconciled', details: { deepened: true, updateId: model.id, snapshotUpdateId: deepId, splicedDeltas: 2 } });
    expect(events.at(-2)).toMatchObject({ type: 'book_snapshot', updateId: model.id });
    expect(sync.book.snapshot()).toEqual({ bids: model.at(model.id).bids, asks: model.at(model.id).asks });
    expect(sync.deepKeptCount).toBeUndefined();
  });

  it('a wrong level where the book is verified: mismatch, resync, the deep book not adopted', () => {
    const { model, events, sync, move } = live();
    sync.keepForDeepen();
    move(true, 4998, '7', 3);
    const deepId = model.id;
    move(false, 5003, '0', 4);
    sync.book.set('bid', '5000', '9'); // the live book silently wrong at its best bid
    expect(sync.reconcile(model.at(deepId), 5, true)).toBe('compared');
    expect(events.at(-1)).toMatchObject({ state: 'resyncing', code: 'TW_ERR_RECONCILE_MISMATCH', details: { splicedDeltas: 1 } });
    expect(events.some((e) => e.type === 'status' && e.state === 'reconciled')).toBe(false);
    expect(sync.state).toBe('resyncing');
  });

  it('a deep snapshot older than every kept delta, or without keepForDeepen, is skipped and changes nothing', () => {
    const { model, events, sync, move } = live();
    const old = model.id;
    move(true, 4998, '7', 3);
    sync.keepForDeepen();
    move(false, 5003, '0', 4);
    move(false, 5005, '3', 5);
    const n = events.length;
    expect(sync.reconcile(model.at(old), 6, true)).toBe('skipped'); // 2 changes before the first kept delta
    expect(sync.reconcile(model.at(model.id - 1), 6, true)).toBe('skipped'); // nothing kept any more
    expect(events.length).toBe(n);
    expect(sync.state).toBe('live');
  });
});

describe('spliceSnapshot', () => {
  const d = (U: number, u: number, bids: Level[] = []): DeltaMessage => ({
    kind: 'book', market: 'X', action: 'delta', firstUpdateId: U, updateId: u, bids, asks: [],
  });
  const snap: RestSnapshot = { updateId: 10, bids: [['5', '1'], ['4', '1']], asks: [['6', '1']] };

  it('drops deltas the snapshot includes, applies a straddling one and the rest', () => {
    const r = spliceSnapshot(snap, [d(5, 8, [['5', '9']]), d(9, 12, [['4', '0']]), d(13, 13, [['3', '2']])], binanceSpotBookRules, false);
    expect(r).toEqual({ bids: [['5', '1'], ['3', '2']], asks: [['6', '1']], updateId: 13, applied: 2 });
  });

  it('undefined when the snapshot is older than the first delta, on a gap, or when nothing follows it', () => {
    expect(spliceSnapshot(snap, [d(12, 14)], binanceSpotBookRules, false)).toBeUndefined();
    expect(spliceSnapshot(snap, [d(11, 12), d(14, 15)], binanceSpotBookRules, false)).toBeUndefined();
    expect(spliceSnapshot(snap, [d(5, 9), d(10, 10)], binanceSpotBookRules, false)).toBeUndefined();
    expect(spliceSnapshot(snap, [], binanceSpotBookRules, false)).toBeUndefined();
  });
});
