/**
 * Real data: Bybit's own dump of `orderbook.500.XRPUSDT` (linear), 1 snapshot + 49 deltas (fixtures/README.md),
 * through tickwire's Bybit parse and book rules into the real OrderBook.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BookSync } from '../../src/book/book-sync.js';
import { OrderBook } from '../../src/book/order-book.js';
import { bybitLinearAdapter } from '../../src/exchanges/bybit/index.js';
import type { AdapterContext, DeltaMessage } from '../../src/exchanges/types.js';
import { MarketEvent, type UnstampedEvent } from '../../src/schema/events.js';
import { removalSpellings } from '../helpers/removals.js';

const ctx: AdapterContext = { bookDepth: 500, instruments: new Map() };
const frames = readFileSync(new URL('../../fixtures/bybit/xrpusdt-ob500.ndjson', import.meta.url), 'utf8').trim().split('\n');

/** Raw `u` of every frame, read without tickwire's parser. */
const rawU = frames.map((f) => (JSON.parse(f) as { data: { u: number } }).data.u);

/** Independent rebuild: plain maps keyed by the exact price string (the dump always uses 4 decimals). */
function naiveApply(book: { b: Map<string, string>; a: Map<string, string> }, frame: string): void {
  const m = JSON.parse(frame) as { type: string; data: { b: [string, string][]; a: [string, string][] } };
  if (m.type === 'snapshot') {
    book.b.clear();
    book.a.clear();
  }
  for (const [side, levels] of [['b', m.data.b], ['a', m.data.a]] as const) {
    for (const [p, s] of levels) {
      if (Number(s) === 0) book[side].delete(p);
      else book[side].set(p, s);
    }
  }
}

const ladder = (m: Map<string, string>, desc: boolean): [string, string][] =>
  [...m.entries()].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));

describe('bybit real data: orderbook.500 XRPUSDT', () => {
  it('the capture itself: one snapshot then deltas whose u goes +1 each', () => {
    expect(frames).toHaveLength(50);
    for (let i = 1; i < rawU.length; i++) expect(rawU[i]).toBe(rawU[i - 1]! + 1);
  });

  it('keeps the u chain and exactly 500 levels per side after every delta, never crossed, never truncated', () => {
    const rules = bybitLinearAdapter.book;
    // Bybit keeps its own window by deleting levels that leave it: tickwire must not truncate
    expect(rules.truncateTo).toBeUndefined();
    expect(rules.integrity).toBe('chained');
    const book = new OrderBook();
    const naive = { b: new Map<string, string>(), a: new Map<string, string>() };
    let localId: number | undefined;
    let prev: DeltaMessage | undefined;
    let applied = 0;
    for (const frame of frames) {
      const msgs = bybitLinearAdapter.parse(frame, ctx);
      expect(msgs).toHaveLength(1);
      const m = msgs[0]!;
      if (m.kind !== 'book') throw new Error(`expected a book message, got ${m.kind}`);
      naiveApply(naive, frame);
      if (m.action === 'snapshot') {
        book.applySnapshot(m.bids, m.asks);
        localId = m.updateId;
        prev = undefined;
      } else {
        if (localId === undefined) throw new Error('delta before snapshot');
        const c = prev === undefined ? rules.first(localId, m) : rules.next(localId, m, prev);
        expect(c).toBe('apply');
        book.applyLevels(m.bids, m.asks);
        localId = m.updateId;
        prev = m;
        applied++;
      }
      expect(book.bidCount).toBe(500);
      expect(book.askCount).toBe(500);
      expect(book.isCrossed()).toBe(false);
      const snap = book.snapshot();
      expect(snap.bids).toEqual(ladder(naive.b, true));
      expect(snap.asks).toEqual(ladder(naive.a, false));
    }
    expect(applied).toBe(49);
    expect(localId).toBe(rawU[rawU.length - 1]);
  });

  it('the u + 1 chain (integrity chained): no false gap on the capture; every dropped or altered delta is a gap', () => {
    const rules = bybitLinearAdapter.book;
    const msgs = frames.map((f) => {
      const m = bybitLinearAdapter.parse(f, ctx)[0];
      if (m?.kind !== 'book') throw new Error('expected a book message');
      return m;
    });
    /** The rules' verdicts over a message sequence, from its snapshot: 'gap' if any delta is refused. */
    const walk = (seq: readonly DeltaMessage[]): 'ok' | 'gap' => {
      let localId = seq[0]!.updateId!;
      let prev: DeltaMessage | undefined;
      for (const m of seq.slice(1)) {
        const c = prev === undefined ? rules.first(localId, m) : rules.next(localId, m, prev);
        if (c !== 'apply') return 'gap';
        localId = m.updateId!;
        prev = m;
      }
      return 'ok';
    };
    expect(walk(msgs)).toBe('ok');
    // drop any one delta but the last (nothing follows it to tell)
    for (let i = 1; i < msgs.length - 1; i++) expect(walk(msgs.filter((_, j) => j !== i)), `without delta ${i}`).toBe('gap');
    // a delta whose u was altered, up or down
    for (let i = 1; i < msgs.length; i++) {
      for (const d of [1, -1]) {
        const altered = msgs.map((m, j) => (j === i ? { ...m, updateId: m.updateId! + d } : m));
        expect(walk(altered), `delta ${i} u ${d > 0 ? '+' : '-'}1`).toBe('gap');
      }
    }
  });

  it('through BookSync: live once, 49 deltas emitted with their u, 500/500 levels after each, no resync', () => {
    const events: UnstampedEvent[] = [];
    const sync = new BookSync({
      exchange: 'bybit-linear',
      symbol: 'XRP/USDT',
      market: 'XRPUSDT',
      rules: bybitLinearAdapter.book,
      subscribedDepth: 500,
      requestSnapshot: () => {
        throw new Error('no REST snapshot for bybit');
      },
      requestResubscribe: () => {
        throw new Error('no resync expected');
      },
      emit: (e) => events.push(e),
    });
    sync.start(1);
    let t = 1;
    for (const f of frames) {
      for (const m of bybitLinearAdapter.parse(f, ctx)) {
        if (m.kind !== 'book') continue;
        sync.onMessage(m, ++t);
        expect(sync.state).toBe('live');
        expect([sync.book.bidCount, sync.book.askCount]).toEqual([500, 500]);
        expect(sync.book.isCrossed()).toBe(false);
        expect(sync.updateId).toBe(m.updateId);
      }
    }
    const statuses = events.filter((e) => e.type === 'status').map((e) => e.type === 'status' && e.state);
    expect(statuses).toEqual(['syncing', 'live']);
    const deltas = events.filter((e) => e.type === 'book_delta');
    expect(deltas.map((e) => e.updateId)).toEqual(rawU.slice(1));
    expect(deltas.every((e) => e.type === 'book_delta' && e.integrity === 'chained')).toBe(true);
    // every emitted event is a valid MarketEvent once stamped
    for (const e of events) expect(MarketEvent.safeParse({ ...e, seq: 1, epoch: 'e' }).success).toBe(true);
    // removals are spelled exactly "0" in the events
    const spellings = removalSpellings(events);
    expect([...spellings.keys()]).toEqual(['0']);
    expect(spellings.get('0')).toBeGreaterThan(0);
  });
});
