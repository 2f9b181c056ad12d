import { describe, expect, it } from 'vitest';
import { BookSync } from '../../src/book/book-sync.js';
import type { BookRules, DeltaMessage, RestSnapshot } from '../../src/book/rules.js';
import type { Level, UnstampedEvent } from '../../src/schema/events.js';
import { MarketEvent } from '../../src/schema/events.js';

/** Contiguous-id rules (the shape of Binance spot's corrected rule), written here so the test does not trust an adapter. */
const contiguous: BookRules = {
  integrity: 'chained',
  snapshot: 'rest',
  resync: 'rest',
  snapshotTooOld: (L, d) => L + 1 < (d.firstUpdateId ?? 0),
  first: (L, d) => {
    const U = d.firstUpdateId!;
    const u = d.updateId!;
    if (u <= L) return 'drop';
    return U <= L + 1 && L + 1 <= u ? 'apply' : 'gap';
  },
  next: (local, d) => {
    if (d.updateId! < local) return 'drop';
    return d.firstUpdateId! > local + 1 ? 'gap' : 'apply';
  },
};

/** In-band snapshots, resubscribe on failure, a toy checksum (the message carries the best bid's size). */
const inband: BookRules = {
  integrity: 'checksum',
  checksumDepth: 1,
  snapshot: 'inband',
  resync: 'resubscribe',
  first: () => 'apply',
  next: (local, d) => (d.updateId === local + 1 ? 'apply' : 'gap'),
  verifyChecksum: (book, msg) => (msg.checksum === undefined ? undefined : Number(book.bestBid()?.[1]) === msg.checksum),
};

function delta(U: number, u: number, bids: Level[] = [], asks: Level[] = []): DeltaMessage {
  return { kind: 'book', market: 'BTCUSDT', action: 'delta', firstUpdateId: U, updateId: u, bids, asks, exchangeTime: u * 1000 };
}

function snap(updateId: number, bids: Level[] = [['100', '1'], ['99', '2']], asks: Level[] = [['101', '1'], ['102', '2']]): RestSnapshot {
  return { updateId, bids, asks };
}

function harness(rules: BookRules = contiguous, extra: { maxBuffer?: number } = {}) {
  const events: UnstampedEvent[] = [];
  let snapshotRequests = 0;
  let resubscribes = 0;
  const sync = new BookSync({
    exchange: 'binance',
    symbol: 'BTC/USDT',
    market: 'BTCUSDT',
    rules,
    subscribedDepth: 10,
    requestSnapshot: () => snapshotRequests++,
    requestResubscribe: () => resubscribes++,
    emit: (e) => events.push(e),
    ...extra,
  });
  let seq = 0;
  return {
    sync,
    events,
    get snapshotRequests() {
      return snapshotRequests;
    },
    get resubscribes() {
      return resubscribes;
    },
    statuses: () => events.flatMap((e) => (e.type === 'status' ? [`${e.state}:${e.code}`] : [])),
    types: () => events.map((e) => (e.type === 'status' ? `status:${e.state}` : e.type)),
    /** Every emitted event is valid against the public schema once stamped. */
    assertValid: () => {
      for (const e of events) MarketEvent.parse({ ...e, seq: ++seq, epoch: 'e' });
    },
  };
}

describe('BookSync with REST snapshots', () => {
  it('buffers deltas, splices the snapshot and goes live, then emits each delta', () => {
    const h = harness();
    h.sync.start(1);
    expect(h.statuses()).toEqual(['syncing:TW_OK']);
    expect(h.snapshotRequests).toBe(1);
    h.sync.onMessage(delta(5, 8, [['99', '7']]), 2);
    h.sync.onMessage(delta(9, 10, [['99.5', '1']]), 3);
    h.sync.onMessage(delta(11, 12, [], [['101', '0']]), 4);
    expect(h.sync.state).toBe('syncing');
    expect(h.sync.bufferedCount).toBe(3);
    h.sync.onSnapshot(snap(9), 5); // includes 5..9: delta 5..8 dropped, 9..10 straddles L+1=10 → applied
    expect(h.sync.state).toBe('live');
    expect(h.sync.updateId).toBe(12);
    expect(h.types()).toEqual(['status:syncing', 'book_snapshot', 'status:live']);
    const bs = h.events[1]!;
    expect(bs).toMatchObject({
      type: 'book_snapshot',
      updateId: 12,
      exchangeTime: 12000, // of the last applied delta
      integrity: 'chained',
      bids: [['100', '1'], ['99.5', '1'], ['99', '2']], // 99 → 7 was before the snapshot: dropped
      asks: [['102', '2']],
      localTime: 5,
    });
    h.sync.onMessage(delta(13, 15, [['100', '3']]), 6);
    expect(h.events.at(-1)).toMatchObject({
      type: 'book_delta',
      firstUpdateId: 13,
      updateId: 15,
      bids: [['100', '3']],
      asks: [],
      exchangeTime: 15000,
      localTime: 6,
    });
    h.sync.onMessage(delta(14, 15), 7); // u < local? no: u == local, U <= local+1 → re-applied harmlessly
    h.sync.onMessage(delta(10, 12), 8); // old: dropped
    expect(h.sync.book.bestBid()).toEqual(['100', '3']);
    h.assertValid();
  });

  it('a snapshot older than the first buffered delta is fetched again (TW_ERR_SNAPSHOT_STALE)', () => {
    const h = harness();
    h.sync.start(1);
    h.sync.onMessage(delta(20, 22), 2);
    h.sync.onSnapshot(snap(18), 3); // L+1 = 19 < 20
    expect(h.statuses()).toEqual(['syncing:TW_OK', 'syncing:TW_ERR_SNAPSHOT_STALE']);
    expect(h.snapshotRequests).toBe(2);
    expect(h.sync.state).toBe('syncing');
    h.sync.onSnapshot(snap(19), 4); // L+1 == U: fits exactly
    expect(h.sync.state).toBe('live');
    expect(h.sync.updateId).toBe(22);
    h.assertValid();
  });

  it('holds a snapshot that arrives before any delta until a delta proves it fits', () => {
    const h = harness();
    h.sync.start(1);
    h.sync.onSnapshot(snap(50), 2);
    expect(h.sync.state).toBe('syncing');
    h.sync.onMessage(delta(60, 61), 3); // the stream starts after the snapshot: stale
    expect(h.statuses().at(-1)).toBe('syncing:TW_ERR_SNAPSHOT_STALE');
    expect(h.snapshotRequests).toBe(2);
    h.sync.onSnapshot(snap(61), 4); // newer than the buffered delta: dropped, the stream overlaps → live
    expect(h.sync.state).toBe('live');
    expect(h.sync.updateId).toBe(61);
    h.sync.onMessage(delta(62, 62, [['100', '2']]), 5);
    expect(h.sync.updateId).toBe(62);
  });

  it('a gap while live resyncs: resyncing status with ids, snapshot requested, deltas after the gap kept', () => {
    const h = harness();
    h.sync.start(1);
    h.sync.onMessage(delta(1, 3), 2);
    h.sync.onSnapshot(snap(2), 3);
    expect(h.sync.state).toBe('live');
    h.sync.onMessage(delta(4, 5), 4);
    h.sync.onMessage(delta(7, 8), 5); // 6 missing
    expect(h.sync.state).toBe('resyncing');
    const st = h.events.at(-1)!;
    expect(st).toMatchObject({
      type: 'status',
      scope: 'stream',
      channel: 'book',
      state: 'resyncing',
      code: 'TW_ERR_SEQUENCE_GAP',
      details: { localUpdateId: 5, got: { firstUpdateId: 7, updateId: 8 } },
    });
    expect(h.snapshotRequests).toBe(2);
    expect(h.sync.book.bidCount).toBe(0);
    expect(h.sync.bufferedCount).toBe(1); // 7..8 kept
    h.sync.onMessage(delta(9, 9, [['100', '5']]), 6);
    h.sync.onSnapshot(snap(8), 7);
    expect(h.sync.state).toBe('live');
    expect(h.sync.updateId).toBe(9);
    expect(h.sync.book.bestBid()).toEqual(['100', '5']);
    expect(h.statuses()).toEqual(['syncing:TW_OK', 'live:TW_OK', 'resyncing:TW_ERR_SEQUENCE_GAP', 'live:TW_OK']);
    h.assertValid();
  });

  it('a gap inside the buffer restarts buffering from the delta after the gap', () => {
    const h = harness();
    h.sync.start(1);
    h.sync.onMessage(delta(1, 2), 2);
    h.sync.onMessage(delta(5, 6), 3);
    expect(h.sync.bufferedCount).toBe(1);
    expect(h.statuses().at(-1)).toBe('syncing:TW_ERR_SEQUENCE_GAP');
    h.sync.onSnapshot(snap(2), 4); // older than the new first buffered delta
    expect(h.statuses().at(-1)).toBe('syncing:TW_ERR_SNAPSHOT_STALE');
  });

  it('a crossed book after a delta resyncs (TW_ERR_CROSSED_BOOK)', () => {
    const h = harness();
    h.sync.start(1);
    h.sync.onMessage(delta(1, 1), 2);
    h.sync.onSnapshot(snap(1), 3);
    h.sync.onMessage(delta(2, 2, [['101.5', '1']]), 4);
    expect(h.sync.state).toBe('resyncing');
    expect(h.events.at(-1)).toMatchObject({ state: 'resyncing', code: 'TW_ERR_CROSSED_BOOK' });
    expect(h.events.some((e) => e.type === 'book_delta')).toBe(false); // the bad delta is not passed on
    expect(h.snapshotRequests).toBe(2);
  });

  it('a bounded buffer restarts on overflow', () => {
    const h = harness(contiguous, { maxBuffer: 3 });
    h.sync.start(1);
    for (let i = 1; i <= 4; i++) h.sync.onMessage(delta(i, i), i);
    expect(h.sync.bufferedCount).toBe(1);
    expect(h.statuses().at(-1)).toBe('syncing:TW_ERR_BOOK_BUFFER_OVERFLOW');
    h.sync.onSnapshot(snap(2), 5);
    expect(h.statuses().at(-1)).toBe('syncing:TW_ERR_SNAPSHOT_STALE');
  });

  it('invalidate clears the book, reports the code and requests a snapshot', () => {
    const h = harness();
    h.sync.start(1);
    h.sync.onMessage(delta(1, 1), 2);
    h.sync.onSnapshot(snap(1), 3);
    h.sync.invalidate('TW_ERR_RECONNECTED', 'connection reconnected', 4);
    expect(h.sync.state).toBe('resyncing');
    expect(h.sync.updateId).toBeUndefined();
    expect(h.sync.book.bidCount).toBe(0);
    expect(h.statuses().at(-1)).toBe('resyncing:TW_ERR_RECONNECTED');
    expect(h.snapshotRequests).toBe(2);
    h.sync.onMessage(delta(40, 41), 5);
    h.sync.onSnapshot(snap(40), 6);
    expect(h.sync.state).toBe('live');
    expect(h.sync.updateId).toBe(41);
  });

  it('a snapshot error is reported and the book stays not live; late or unasked snapshots are ignored', () => {
    const h = harness();
    h.sync.start(1);
    h.sync.onSnapshotError('TW_ERR_REST_HTTP', 'HTTP 500', 2);
    expect(h.statuses().at(-1)).toBe('syncing:TW_ERR_REST_HTTP');
    expect(h.sync.state).toBe('syncing');
    h.sync.onMessage(delta(1, 1), 3);
    h.sync.onSnapshot(snap(1), 4);
    expect(h.sync.state).toBe('live');
    const n = h.events.length;
    h.sync.onSnapshot(snap(0), 5); // a duplicate reply while live
    expect(h.events.length).toBe(n);
    expect(h.sync.updateId).toBe(1);
  });
});

describe('BookSync.reconcile', () => {
  function live() {
    const h = harness();
    h.sync.start(1);
    h.sync.onMessage(delta(1, 1), 2);
    h.sync.onSnapshot(snap(1), 3);
    expect(h.sync.state).toBe('live');
    return h;
  }

  it('compares when the book reaches the snapshot id and reports a match', () => {
    const h = live();
    expect(h.sync.reconcile(snap(3, [['100', '4'], ['99', '2']], [['101', '1'], ['102', '2']]), 4)).toBe('pending');
    h.sync.onMessage(delta(2, 2, [['98', '1']]), 5);
    expect(h.statuses().at(-1)).toBe('live:TW_OK');
    h.sync.onMessage(delta(3, 3, [['100', '4.000']]), 6); // "4.000" == "4"
    expect(h.events.at(-1)).toMatchObject({ state: 'reconciled', code: 'TW_OK', details: { updateId: 3, levels: 4 } });
    expect(h.sync.state).toBe('live');
    // compared over the snapshot's depth only: the deeper level 98 is not a difference
    expect(h.sync.reconcile(snap(3, [['100', '4']], [['101', '1']]), 7)).toBe('compared');
    expect(h.events.at(-1)).toMatchObject({ state: 'reconciled' });
    h.assertValid();
  });

  it('is skipped when not live, and dropped silently when a delta straddles the snapshot id', () => {
    const h = harness();
    h.sync.start(1);
    expect(h.sync.reconcile(snap(0), 2)).toBe('skipped');
    h.sync.onMessage(delta(1, 1), 3);
    h.sync.onSnapshot(snap(1), 4);
    expect(h.sync.reconcile(snap(3), 5)).toBe('pending');
    const n = h.events.length;
    h.sync.onMessage(delta(2, 4), 6); // the book jumps from 1 to 4 in one message: never exactly at 3
    h.sync.onMessage(delta(5, 5), 7);
    expect(h.events.slice(n).map((e) => e.type)).toEqual(['book_delta', 'book_delta']);
    expect(h.sync.state).toBe('live');
  });

  it('an exchange book deeper than the last snapshot is no mismatch: only the range both sides know is compared', () => {
    const h = live(); // snapshot: bids 100, 99; asks 101, 102
    h.sync.onMessage(delta(2, 2, [['99.5', '7']], [['101.5', '3']]), 4);
    // the exchange's REST book now also shows levels below 99 and above 102 that no delta ever touched
    const deeper = snap(2, [['100', '1'], ['99.5', '7'], ['99', '2'], ['98', '5']], [['101', '1'], ['101.5', '3'], ['102', '2'], ['103', '4']]);
    expect(h.sync.reconcile(deeper, 5)).toBe('compared');
    expect(h.events.at(-1)).toMatchObject({ state: 'reconciled', code: 'TW_OK' });
    // within the known range a difference is still found
    h.sync.onMessage(delta(3, 3, [['99.5', '8']]), 6);
    expect(h.sync.reconcile(snap(3, [['100', '1'], ['99.5', '7'], ['99', '2'], ['98', '5']], [['101', '1']]), 7)).toBe('compared');
    expect(h.events.at(-1)).toMatchObject({ state: 'resyncing', code: 'TW_ERR_RECONCILE_MISMATCH', details: { differing: 1 } });
    h.assertValid();
  });

  it('a mismatch lists the differing levels and resyncs', () => {
    const h = live();
    expect(h.sync.reconcile(snap(1, [['100', '1'], ['99', '3']], [['101', '1'], ['102.5', '2']]), 4)).toBe('compared');
    const st = h.events.at(-1)!;
    expect(st).toMatchObject({ state: 'resyncing', code: 'TW_ERR_RECONCILE_MISMATCH' });
    // 102.5 lies beyond the local book's known range (its snapshot went up to 102): unknown, not compared
    expect(st.type === 'status' && st.details).toMatchObject({
      updateId: 1,
      differing: 2,
      diffs: [
        { side: 'bid', price: '99', book: '2', snapshot: '3' },
        { side: 'ask', price: '102', book: '2', snapshot: null },
      ],
    });
    expect(h.sync.state).toBe('resyncing');
    expect(h.snapshotRequests).toBe(2);
    h.assertValid();
  });

  it('a snapshot the book is already past is skipped; ids that jump over it compare the book before the jump', () => {
    const h = harness({
      ...contiguous,
      // ids jump (like Binance futures): chain by prevUpdateId
      snapshotTooOld: (L, d) => L < d.prevUpdateId!,
      first: (L, d) => (d.updateId! < L ? 'drop' : (d.firstUpdateId! <= L && d.updateId! >= L) || d.prevUpdateId === L ? 'apply' : 'gap'),
      next: (_l, d, prev) => (d.prevUpdateId === prev?.updateId ? 'apply' : 'gap'),
    });
    const d = (pu: number, U: number, u: number, bids: Level[] = []): DeltaMessage => ({ ...delta(U, u, bids), prevUpdateId: pu });
    h.sync.start(1);
    h.sync.onMessage(d(0, 10, 12), 2);
    h.sync.onSnapshot(snap(12), 3); // u == lastUpdateId: kept by this rule
    expect(h.sync.state).toBe('live');
    h.sync.onMessage(d(12, 20, 25, [['100', '9']]), 4);
    expect(h.sync.reconcile(snap(12), 5)).toBe('skipped');
    expect(h.sync.reconcile(snap(27, [['100', '9'], ['99', '2']]), 6)).toBe('pending'); // 26..29 are other books' ids
    h.sync.onMessage(d(25, 30, 31, [['100', '0']]), 7);
    const rec = h.events.find((e) => e.type === 'status' && e.state === 'reconciled');
    expect(rec).toMatchObject({ details: { updateId: 27 } });
    expect(h.sync.book.bestBid()).toEqual(['99', '2']); // and the delta was applied after the comparison
    expect(h.sync.updateId).toBe(31);
  });
});

describe('BookSync with in-band snapshots and checksums', () => {
  const inSnap = (u: number, bids: Level[], checksum?: number): DeltaMessage => ({
    kind: 'book',
    market: 'BTCUSDT',
    action: 'snapshot',
    updateId: u,
    bids,
    asks: [['200', '1']],
    ...(checksum === undefined ? {} : { checksum }),
  });
  const inDelta = (u: number, bids: Level[], checksum: number): DeltaMessage => ({
    kind: 'book',
    market: 'BTCUSDT',
    action: 'delta',
    updateId: u,
    bids,
    asks: [],
    checksum,
  });

  it('ignores deltas before the snapshot, goes live on it, and resubscribes on a checksum mismatch', () => {
    const h = harness(inband);
    h.sync.start(1);
    expect(h.snapshotRequests).toBe(0);
    h.sync.onMessage(inDelta(1, [['100', '1']], 1), 2);
    expect(h.sync.bufferedCount).toBe(0);
    h.sync.onMessage(inSnap(10, [['100', '3']], 3), 3);
    expect(h.sync.state).toBe('live');
    expect(h.events[1]).toMatchObject({ type: 'book_snapshot', integrity: 'checksum', integrityDepth: 1, updateId: 10 });
    h.sync.onMessage(inDelta(11, [['100', '4']], 4), 4);
    expect(h.events.at(-1)).toMatchObject({ type: 'book_delta', updateId: 11, integrityDepth: 1 });
    h.sync.onMessage(inDelta(12, [['100', '5']], 6), 5); // wrong checksum
    expect(h.events.at(-1)).toMatchObject({ state: 'resyncing', code: 'TW_ERR_CHECKSUM' });
    expect(h.resubscribes).toBe(1);
    expect(h.snapshotRequests).toBe(0);
    h.sync.onMessage(inDelta(13, [['100', '5']], 5), 6); // old subscription: dropped
    expect(h.sync.state).toBe('resyncing');
    h.sync.onMessage(inSnap(20, [['100', '7']], 7), 7);
    expect(h.sync.state).toBe('live');
    h.sync.onMessage(inDelta(22, [['100', '8']], 8), 8); // 21 missing
    expect(h.events.at(-1)).toMatchObject({ state: 'resyncing', code: 'TW_ERR_SEQUENCE_GAP' });
    expect(h.resubscribes).toBe(2);
    h.assertValid();
  });

  it('truncates fixed-depth books after every message', () => {
    const h = harness({ ...inband, verifyChecksum: undefined, truncateTo: (d) => d / 5 }); // depth 10 → 2
    h.sync.start(1);
    h.sync.onMessage(inSnap(1, [['100', '1'], ['99', '1'], ['98', '1']]), 2);
    expect(h.sync.book.bidCount).toBe(2);
    h.sync.onMessage(inDelta(2, [['101', '1']], 0), 3);
    expect(h.sync.book.top(5).bids).toEqual([['101', '1'], ['100', '1']]);
  });

  it('emits the levels cut by truncation as deletions, so a consumer applying the deltas holds the same book', () => {
    const h = harness({ ...inband, verifyChecksum: undefined, truncateTo: () => 2 });
    h.sync.start(1);
    h.sync.onMessage(inSnap(1, [['100', '1'], ['99', '1']]), 2);
    h.sync.onMessage(inDelta(2, [['101', '1']], 0), 3); // 99 falls out of the depth; the exchange does not say so
    expect(h.events.at(-1)).toMatchObject({ type: 'book_delta', bids: [['101', '1'], ['99', '0']] });
    h.sync.onMessage(inDelta(3, [['101', '0'], ['98', '4']], 0), 4); // 101 removed, 98 comes into scope
    expect(h.events.at(-1)).toMatchObject({ type: 'book_delta', bids: [['101', '0'], ['98', '4']] });
    expect(h.sync.book.top(5).bids).toEqual([['100', '1'], ['98', '4']]);
  });

  it('feeds without update ids (Kraken) keep applying after an in-band snapshot', () => {
    const h = harness({ ...inband, verifyChecksum: undefined, next: () => 'apply' });
    h.sync.start(1);
    const noIds = (m: DeltaMessage): DeltaMessage => ({ ...m, updateId: undefined, firstUpdateId: undefined });
    h.sync.onMessage(noIds(delta(1, 1, [['100', '9']])), 2); // before the snapshot: dropped
    h.sync.onMessage({ kind: 'book', market: 'BTCUSDT', action: 'snapshot', bids: [['100', '1']], asks: [['101', '1']] }, 3);
    h.sync.onMessage(noIds(delta(2, 2, [['100', '2']])), 4);
    h.sync.onMessage(noIds(delta(3, 3, [['99', '3']])), 5);
    expect(h.sync.state).toBe('live');
    expect(h.sync.book.top(5).bids).toEqual([['100', '2'], ['99', '3']]);
    expect(h.events.filter((e) => e.type === 'book_delta')).toHaveLength(2);
  });
});
