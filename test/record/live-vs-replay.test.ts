/**
 * Issue 7 proof: a live session against the simulator with faults (a dropped diff → gap and resync, a server
 * close → reconnect and resync), recorded; its replay emits exactly the live events (deep-equal: localTime, seq
 * and epoch included), and the replayed books equal the simulator's true books. The recording holds raw frames,
 * statuses, REST bodies and timer firings only — no normalized event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import type { MarketEvent } from '../../src/schema/events.js';
import { OrderBook } from '../../src/book/order-book.js';
import { Recorder } from '../../src/record/recorder.js';
import { replay, type ReplayResult } from '../../src/record/replay.js';
import { expectBookEqualsTruth, isStatus, startHarness, type Harness } from '../helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-rec-'));
const file = join(dir, 'session.ndjson.gz');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let h: Harness;
let rec: Recorder | undefined;
let live: MarketEvent[];

const live$ = (symbol: string) => isStatus({ exchange: 'binance', symbol, channel: 'book', state: 'live' });

beforeAll(async () => {
  h = await startHarness({
    exchanges: ['binance'],
    markets: ['binance:BTC/USDT', 'binance:ETH/USDT'],
    config: { reconcileIntervalMs: 400, noDataTimeoutMs: 600 },
    deps: (config) => {
      rec = new Recorder(config, { file });
      return rec.deps;
    },
  });
  await Promise.all(['BTC/USDT', 'ETH/USDT'].map((s) => h.waitFor(live$(s), `${s} live`)));
  // a gap: one diff of BTC never sent
  h.sim.fault('binance', { kind: 'drop-diff', symbol: 'BTC/USDT' });
  await h.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', state: 'resyncing', code: 'TW_ERR_SEQUENCE_GAP' }), 'gap resync');
  await h.waitFor(live$('BTC/USDT'), 'BTC live after the gap');
  // a slow output sink dropped ETH book events (what the CLI's NDJSON sink reports): gap status + fresh snapshot
  const last = h.events.filter((e) => e.type === 'book_delta' && e.symbol === 'ETH/USDT').at(-1)!;
  const gap = { key: 'binance:ETH/USDT@book', exchange: 'binance' as const, symbol: 'ETH/USDT', dropped: 2, firstSeq: last.seq - 1, lastSeq: last.seq, book: true };
  rec!.gap(gap);
  h.hub.emitGap(gap);
  expect(h.statuses({ code: 'TW_ERR_BACKPRESSURE' })).toHaveLength(1);
  // a disconnect: the server closes ETH's connection
  h.sim.fault('binance', { kind: 'close', symbol: 'ETH/USDT', code: 1001, reason: 'going away' });
  await h.waitFor(isStatus({ exchange: 'binance', scope: 'connection', state: 'reconnecting' }), 'reconnecting');
  expect(h.statuses({ exchange: 'binance', symbol: 'ETH/USDT', state: 'resyncing', code: 'TW_ERR_RECONNECTED' })).toHaveLength(1);
  await h.waitFor(live$('ETH/USDT'), 'ETH live after the reconnect');
  // silence: the no-data watchdog (a pipeline timer) reports it, then data resumes
  h.sim.fault('binance', { kind: 'silence', symbol: 'BTC/USDT' });
  await h.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', state: 'no_data' }), 'BTC no_data');
  h.sim.clearFaults('binance');
  await h.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', state: 'live', code: 'TW_OK' }), 'BTC data resumed');
  await expectBookEqualsTruth(h, 'binance', 'ETH/USDT', 20);
  await expectBookEqualsTruth(h, 'binance', 'BTC/USDT', 20);
  h.hub.close();
  await rec!.close();
  live = [...h.events];
}, 30_000);

afterAll(async () => {
  await h?.close();
});

function consumerBooks(events: MarketEvent[]): Map<string, { book: OrderBook; updateId: number | undefined }> {
  const books = new Map<string, { book: OrderBook; updateId: number | undefined }>();
  for (const e of events) {
    if (e.type !== 'book_snapshot' && e.type !== 'book_delta') continue;
    let b = books.get(e.symbol);
    if (!b) books.set(e.symbol, (b = { book: new OrderBook(), updateId: undefined }));
    if (e.type === 'book_snapshot') b.book.applySnapshot(e.bids, e.asks);
    else b.book.applyLevels(e.bids, e.asks);
    b.updateId = e.updateId;
  }
  return books;
}

describe('record → replay', () => {
  it('replays exactly the events the live session emitted, localTime, seq and epoch included', async () => {
    let result: ReplayResult | undefined;
    const replayed = await lastValueFrom(replay(file, { onEnd: (r) => (result = r) }).pipe(toArray()));
    expect(live.length).toBeGreaterThan(100);
    expect(result?.damage).toBeUndefined();
    expect(result?.divergences).toBe(0);
    expect(replayed.length).toBe(live.length);
    expect(replayed).toEqual(live);
    // the faults are in there
    expect(replayed.some((e) => e.type === 'status' && e.code === 'TW_ERR_SEQUENCE_GAP')).toBe(true);
    expect(replayed.some((e) => e.type === 'status' && e.code === 'TW_ERR_RECONNECTED')).toBe(true);
    expect(replayed.some((e) => e.type === 'status' && e.code === 'TW_ERR_NO_DATA')).toBe(true);
    expect(replayed.some((e) => e.type === 'status' && e.code === 'TW_ERR_BACKPRESSURE')).toBe(true);
    expect(replayed.some((e) => e.type === 'status' && e.state === 'reconciled')).toBe(true);
    // books rebuilt from the replay equal the simulator's truth at their last update id
    const books = consumerBooks(replayed);
    for (const symbol of ['BTC/USDT', 'ETH/USDT']) {
      const b = books.get(symbol)!;
      const truth = h.sim.trueBookAt('binance', symbol, b.updateId!);
      expect(truth, `${symbol} truth at ${b.updateId}`).toBeDefined();
      expect(b.book.snapshot()).toEqual({ bids: truth!.bids, asks: truth!.asks });
    }
  });

  it('replays the same twice (the replay is deterministic)', async () => {
    const a = await lastValueFrom(replay(file).pipe(toArray()));
    const b = await lastValueFrom(replay(file).pipe(toArray()));
    expect(b).toEqual(a);
  });

  it('the recording holds raw frames, sends, statuses, REST bodies and timer firings — no normalized event', () => {
    const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(header).toMatchObject({ format: 'tickwire-recording', version: 1, part: 0 });
    const records = lines.slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
    const kinds = new Set(records.map((r) => r.k));
    expect([...kinds].sort()).toEqual(['end', 'frame', 'gap', 'rest', 'sent', 'status', 'timer']);
    expect(records.at(-1)!.k).toBe('end');
    for (const r of records) {
      expect(r).not.toHaveProperty('type'); // every normalized event has a `type`
      expect(r).not.toHaveProperty('seq');
      expect(typeof r.t).toBe('number');
    }
    // frames are the exchange's raw text (Binance combined-stream envelopes), REST bodies raw JSON
    const frame = records.find((r) => r.k === 'frame' && String(r.d).includes('depthUpdate'))!;
    expect(JSON.parse(String(frame.d))).toHaveProperty('stream');
    const snapshot = records.find((r) => r.k === 'rest' && String(r.url).includes('/api/v3/depth'))!;
    expect(JSON.parse(String(snapshot.body))).toHaveProperty('lastUpdateId');
    expect(records.some((r) => r.k === 'sent' && r.app === 1 && String(r.d).includes('SUBSCRIBE'))).toBe(true);
    expect(records.some((r) => r.k === 'status' && r.state === 'reconnecting')).toBe(true);
  });
});
