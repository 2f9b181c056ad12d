/**
 * BookSync against a seeded random market with faults: dropped diffs, lagging (stale) REST snapshots, slow
 * snapshots, reconnects, periodic reconciles. Invariant: whenever the sync says `live`, its book equals the true
 * book at the sync's update id; reconciles never report a mismatch on a correct book; after the faults stop the
 * book goes live again.
 */
import { describe, expect, it } from 'vitest';
import { binanceBtcSync } from './binance-sync.js';
import { OrderBook } from '../../src/book/order-book.js';
import { CODE_BITS, DecimalScratch, encodeDecimal } from '../../src/book/decimal-code.js';
import { LevelCodes } from '../../src/book/level-codes.js';
import type { DeltaMessage, RestSnapshot } from '../../src/book/rules.js';
import type { Level, UnstampedEvent } from '../../src/schema/events.js';
import { mulberry32 } from '../../src/util/prng.js';


const STEPS = 3000;
const FAULTS_UNTIL = 2500;
const HISTORY = 40;

describe.each([1, 2, 3])('BookSync under random faults (seed %i)', (seed) => {
  it('is correct whenever live, never mismatches on reconcile, and recovers', () => {
    const rand = mulberry32(seed);
    const truth = new OrderBook();
    let id = 1000;
    truth.applySnapshot(
      Array.from({ length: 20 }, (_, i): Level => [(9900 - i * 5) / 100 + '', '1']),
      Array.from({ length: 20 }, (_, i): Level => [(10000 + i * 5) / 100 + '', '1']),
    );
    /** id → snapshot of the true book after that id (last HISTORY steps). */
    const history = new Map<number, RestSnapshot>();
    const record = () => {
      const { bids, asks } = truth.snapshot();
      history.set(id, { updateId: id, bids, asks });
      history.delete(id - HISTORY * 4);
    };
    record();

    const events: UnstampedEvent[] = [];
    let snapshotWanted = false;
    let pendingSnapshot: { dueStep: number; snap: RestSnapshot } | undefined;
    const sync = binanceBtcSync(events, { requestSnapshot: () => (snapshotWanted = true), maxBuffer: 200 });
    let queuedAt: number | undefined;
    const area = new LevelCodes();
    const dec = new DecimalScratch();
    let liveChecks = 0;
    let wentLive = 0;
    let wasLive = false;

    for (let step = 1; step <= STEPS; step++) {
      const faults = step <= FAULTS_UNTIL;
      // the market moves: 1–4 changes, each with its own id; bids stay < 100 and asks >= 100 (never crossed)
      const bids: Level[] = [];
      const asks: Level[] = [];
      const n = 1 + Math.floor(rand() * 4);
      const U = id + 1;
      for (let k = 0; k < n; k++) {
        const bid = rand() < 0.5;
        const ticks = Math.floor(rand() * 40);
        const price = bid ? (9999 - ticks) / 100 + '' : (10000 + ticks) / 100 + '';
        const size = rand() < 0.3 ? '0' : 1 + Math.floor(rand() * 9) + '';
        (bid ? bids : asks).push([price, size]);
        truth.set(bid ? 'bid' : 'ask', price, size);
        id++;
      }
      record();
      const msg: DeltaMessage = { kind: 'book', market: 'BTCUSDT', action: 'delta', firstUpdateId: U, updateId: id, bids, asks };
      // two messages in three carry their levels' numeric form too, as Binance's frame scanner writes it (one area,
      // rewritten per frame): kept while waiting as numbers, applied live from them
      if ((step + seed) % 3 !== 0) {
        area.begin();
        for (const [p, q] of [...bids, ...asks]) {
          const pc = encodeDecimal(p, dec);
          const pm = dec.scanned[0]!;
          const sc = encodeDecimal(q, dec);
          area.push(pm, dec.scanned[0]!, (pc << CODE_BITS) | sc);
        }
        msg.codes = area;
        msg.codesFrame = area.frame;
      }

      // a snapshot request waits 0–11 steps in the REST queue (weight budget), then is served after 0–5 steps,
      // sometimes from a lagging cache (older than the stream)
      if (snapshotWanted && pendingSnapshot === undefined) queuedAt ??= step;
      if (snapshotWanted && pendingSnapshot === undefined && step - queuedAt! >= queuedAt! % 12) {
        snapshotWanted = false;
        queuedAt = undefined;
        const lag = faults && rand() < 0.2 ? 1 + Math.floor(rand() * 10) : 0;
        const snap = history.get(id - lag) ?? history.get(id)!;
        pendingSnapshot = { dueStep: step + Math.floor(rand() * 6), snap };
      }
      if (!(faults && rand() < 0.01)) sync.onMessage(msg, step); // 1% of diffs lost
      // a request still waiting to go out keeps only the last few deltas, as BookDriver trims them (while queued)
      if (snapshotWanted) sync.trimBuffer(3);
      if (pendingSnapshot !== undefined && pendingSnapshot.dueStep <= step) {
        const s = pendingSnapshot.snap;
        pendingSnapshot = undefined;
        sync.onSnapshot(s, step);
      }
      if (faults && rand() < 0.003) sync.invalidate('TW_ERR_RECONNECTED', 'reconnected', step);
      if (rand() < 0.02) sync.reconcile(history.get(id)!, step); // compare now
      if (rand() < 0.02 && sync.updateId !== undefined) {
        const ahead = history.get(id);
        if (ahead !== undefined) sync.reconcile(ahead, step);
      }

      if (sync.state === 'live') {
        if (!wasLive) wentLive++;
        const want = history.get(sync.updateId!);
        if (want !== undefined) {
          expect(sync.book.snapshot()).toEqual({ bids: want.bids, asks: want.asks });
          liveChecks++;
        }
      }
      wasLive = sync.state === 'live';
    }

    const codes = events.flatMap((e) => (e.type === 'status' ? [e.code] : []));
    expect(codes).not.toContain('TW_ERR_RECONCILE_MISMATCH');
    expect(codes).not.toContain('TW_ERR_CROSSED_BOOK');
    expect(codes).toContain('TW_ERR_SEQUENCE_GAP'); // the faults did happen…
    expect(codes).toContain('TW_OK');
    expect(events.some((e) => e.type === 'status' && e.state === 'reconciled')).toBe(true);
    expect(wentLive).toBeGreaterThan(5); // …and the book recovered from them
    expect(liveChecks).toBeGreaterThan(STEPS / 2);
    expect(sync.state).toBe('live'); // recovered after the faults stopped
  });
});
