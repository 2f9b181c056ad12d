/** OKX frames (docs/protocols/okx.md shapes, seqId chains) through the adapter's parse and the real BookSync. */
import { describe, expect, it } from 'vitest';
import { BookSync } from '../../src/book/book-sync.js';
import { okxAdapter } from '../../src/exchanges/okx/index.js';
import type { AdapterContext } from '../../src/exchanges/types.js';
import type { UnstampedEvent } from '../../src/schema/events.js';

const ctx: AdapterContext = { bookDepth: 400, instruments: new Map() };
type L = [string, string][];

function frame(action: 'snapshot' | 'update', prev: number, seq: number, bids: L, asks: L, checksum = 0): string {
  const lv = (l: L): string => JSON.stringify(l.map(([p, s]) => [p, s, '0', s === '0' ? '0' : '1']));
  return `{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"${action}","data":[{"asks":${lv(asks)},"bids":${lv(bids)},"ts":"1700000000000","checksum":${checksum},"prevSeqId":${prev},"seqId":${seq}}]}`;
}

function harness() {
  const events: UnstampedEvent[] = [];
  const calls = { rest: 0, resubscribe: 0 };
  const sync = new BookSync({
    exchange: 'okx',
    symbol: 'BTC/USDT',
    market: 'BTC-USDT',
    rules: okxAdapter.book,
    subscribedDepth: 400,
    contractValue: undefined,
    requestSnapshot: () => calls.rest++,
    requestResubscribe: () => calls.resubscribe++,
    emit: (e) => events.push(e),
  });
  let t = 1;
  sync.start(t);
  const feed = (f: string): void => {
    for (const m of okxAdapter.parse(f, ctx)) if (m.kind === 'book') sync.onMessage(m, ++t);
  };
  const problems = (): UnstampedEvent[] => events.filter((e) => e.type === 'status' && e.code !== 'TW_OK');
  return { sync, events, calls, feed, problems, now: () => ++t };
}

describe('OKX books through BookSync', () => {
  it('documented seqId example: snapshot(-1→10), 10→15, keepalive 15→15, reset 15→3, 3→5 — all applied', () => {
    const h = harness();
    h.feed(frame('snapshot', -1, 10, [['100', '1']], [['101', '1']]));
    h.feed(frame('update', 10, 15, [['100', '2']], []));
    h.feed(frame('update', 15, 15, [], [])); // no change for ~60 s
    h.feed(frame('update', 15, 3, [['99', '4']], [])); // after maintenance
    h.feed(frame('update', 3, 5, [], [['101', '0'], ['102', '7']]));
    expect(h.problems()).toEqual([]);
    expect(h.sync.state).toBe('live');
    expect(h.sync.updateId).toBe(5);
    expect(h.sync.book.snapshot()).toEqual({ bids: [['100', '2'], ['99', '4']], asks: [['102', '7']] });
    const deltas = h.events.filter((e) => e.type === 'book_delta');
    expect(deltas.map((d) => d.type === 'book_delta' && [d.prevUpdateId, d.updateId])).toEqual([
      [10, 15],
      [15, 15],
      [15, 3],
      [3, 5],
    ]);
    expect(h.events.find((e) => e.type === 'book_snapshot')).toMatchObject({ integrity: 'chained', updateId: 10 });
    expect(h.calls).toEqual({ rest: 0, resubscribe: 0 });
  });

  it('a broken prevSeqId resyncs by resubscribing; the next in-band snapshot makes it live again', () => {
    const h = harness();
    h.feed(frame('snapshot', -1, 10, [['100', '1']], [['101', '1']]));
    h.feed(frame('update', 11, 12, [['100', '2']], []));
    expect(h.problems()).toEqual([expect.objectContaining({ state: 'resyncing', code: 'TW_ERR_SEQUENCE_GAP' })]);
    expect(h.calls.resubscribe).toBe(1);
    h.feed(frame('snapshot', -1, 20, [['100', '3']], [['101', '1']]));
    expect(h.sync.state).toBe('live');
    expect(h.sync.book.sizeAt('bid', '100')).toBe('3');
  });

  it('a non-zero checksum is verified (and a wrong one resyncs); 0 is not checked', () => {
    const h = harness();
    // doc vector 1: book 3366.1:7 / 3366.8:9 / 3366:6 / 3368:8 → -1881014294
    h.feed(frame('snapshot', -1, 1, [['3366.1', '7'], ['3366', '6']], [['3366.8', '9'], ['3368', '8']], -1881014294));
    h.feed(frame('update', 1, 2, [], [], 0));
    expect(h.problems()).toEqual([]);
    // doc vector 2 after removing the 3366 bid and adding the 3372 ask → 831078360
    h.feed(frame('update', 2, 3, [['3366', '0']], [['3372', '8']], 831078360));
    expect(h.problems()).toEqual([]);
    h.feed(frame('update', 3, 4, [['3366.1', '8']], [], 831078360));
    expect(h.problems()).toEqual([expect.objectContaining({ state: 'resyncing', code: 'TW_ERR_CHECKSUM' })]);
  });

  it('no initial snapshot: buffers updates, asks REST, refetches a too-old snapshot, splices by seqId', () => {
    const h = harness();
    h.feed(frame('update', 100, 105, [['100', '5']], []));
    expect(h.calls.rest).toBe(1);
    h.feed(frame('update', 105, 110, [], [['101', '2']]));
    expect(h.sync.bufferedCount).toBe(2);
    // too old: snapshot seqId 90 < first buffered prevSeqId 100
    h.sync.onSnapshot({ updateId: 90, bids: [['100', '1']], asks: [['101', '1']] }, h.now());
    expect(h.problems()).toEqual([expect.objectContaining({ code: 'TW_ERR_SNAPSHOT_STALE' })]);
    expect(h.calls.rest).toBe(2);
    // 105: the first buffered update is older (dropped), the second straddles/chains (applied)
    h.sync.onSnapshot({ updateId: 105, bids: [['100', '5'], ['99', '1']], asks: [['101', '1']] }, h.now());
    expect(h.sync.state).toBe('live');
    expect(h.sync.updateId).toBe(110);
    expect(h.sync.book.snapshot()).toEqual({ bids: [['100', '5'], ['99', '1']], asks: [['101', '2']] });
    h.feed(frame('update', 110, 111, [['99', '0']], []));
    expect(h.sync.updateId).toBe(111);
    expect(h.problems()).toHaveLength(1);
  });

  it('an in-band snapshot that arrives while a REST snapshot is pending wins; the late REST answer is ignored', () => {
    const h = harness();
    h.feed(frame('update', 7, 8, [['100', '5']], [])); // from an earlier subscription
    expect(h.calls.rest).toBe(1);
    expect(h.sync.wantsSnapshot).toBe(true);
    h.feed(frame('snapshot', -1, 10, [['100', '1']], [['101', '1']]));
    expect(h.sync.state).toBe('live');
    expect(h.sync.wantsSnapshot).toBe(false);
    h.sync.onSnapshot({ updateId: 9, bids: [['100', '9']], asks: [['101', '9']] }, h.now());
    expect(h.sync.book.sizeAt('bid', '100')).toBe('1');
    h.feed(frame('update', 10, 11, [], []));
    expect(h.problems()).toEqual([]);
  });
});

describe('OKX books: periodic REST cross-check', () => {
  it('a REST snapshot at a seqId inside the next update (OKX pushes skip seqIds) is dropped, not called a mismatch', () => {
    const h = harness();
    h.feed(frame('snapshot', -1, 10, [['100', '1']], [['101', '1']]));
    // the REST book at seqId 12: an update inside (10, 15] changed 100 → 2 already
    expect(h.sync.reconcile({ updateId: 12, bids: [['100', '2']], asks: [['101', '1']] }, h.now())).toBe('pending');
    h.feed(frame('update', 10, 15, [['100', '3']], []));
    expect(h.problems()).toEqual([]);
    expect(h.events.some((e) => e.type === 'status' && e.state === 'reconciled')).toBe(false);
  });

  it('a REST snapshot at a pushed seqId is compared when the book reaches it', () => {
    const h = harness();
    h.feed(frame('snapshot', -1, 10, [['100', '1']], [['101', '1']]));
    expect(h.sync.reconcile({ updateId: 15, bids: [['100', '3']], asks: [['101', '1']] }, h.now())).toBe('pending');
    h.feed(frame('update', 10, 15, [['100', '3']], []));
    expect(h.events.filter((e) => e.type === 'status' && e.state === 'reconciled')).toHaveLength(1);
    expect(h.sync.reconcile({ updateId: 15, bids: [['100', '9']], asks: [['101', '1']] }, h.now())).toBe('compared');
    expect(h.problems()).toEqual([expect.objectContaining({ code: 'TW_ERR_RECONCILE_MISMATCH' })]);
  });
});
