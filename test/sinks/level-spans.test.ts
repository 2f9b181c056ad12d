/**
 * The NDJSON line of a scanned Binance delta, with its levels copied from the frame's bytes (src/book/level-spans.ts),
 * is exactly `JSON.stringify` of the event: on every depthUpdate of the real captures (whose removals are spelled
 * `"0.00000000"`, respelled `"0"` by the event builder) and on seeded frames with every spelling of zero, written
 * through the real event builder and the real NDJSON sink. The copy is used (not silently bypassed), and only for the
 * arrays of the frame just scanned, unchanged: a copied array, an array of an earlier frame, one that grew, and one
 * whose zero sizes were left as the frame spelled them are all written as they are.
 */
import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { DepthScanner } from '../../src/exchanges/binance/scan.js';
import { LevelSpans } from '../../src/book/level-spans.js';
import { JsonBytes, NO_ROOM } from '../../src/sinks/json-bytes.js';
import { writeNdjson } from '../../src/sinks/ndjson.js';
import { bookDeltaEvent } from '../../src/book/book-events.js';
import { loadAdapter } from '../../src/exchanges/registry.js';
import * as R from '../../src/sim/binance-render.js';
import { mulberry32 } from '../../src/util/prng.js';
import { readCryptofeed, readHftbacktest } from '../exchanges/binance-replay.js';
import { recordingWritable } from '../helpers/recording-writable.js';
import type { Level, MarketEvent } from '../../src/schema/events.js';
import type { DeltaMessage } from '../../src/exchanges/types.js';

const rules = (await loadAdapter('binance')).book;

function capturedFrames(): string[] {
  return [
    ...readHftbacktest('ethusdt_20240808.gz', 'ETHUSDT'),
    ...readCryptofeed('BINANCE.ws.1.0', 'BINANCE.http.0.0'),
    ...readCryptofeed('BINANCE_FUTURES.ws.1.0', 'BINANCE_FUTURES.http.0.0'),
  ]
    .filter((r) => r.kind === 'frame')
    .map((r) => r.text);
}

/** Seeded depthUpdates whose sizes include every spelling of zero the scanner accepts. */
function seededFrames(seed: number, n: number): string[] {
  const r = mulberry32(seed);
  const zeros = ['0', '0.0', '0.00000000', '00', '000.000', '0.00'];
  const lv = (): Level[] =>
    Array.from({ length: Math.floor(r() * 14) }, () => [
      (20000 + Math.floor(r() * 100000) / 100).toFixed(r() < 0.5 ? 2 : 8),
      r() < 0.4 ? zeros[Math.floor(r() * zeros.length)]! : (r() * 10).toFixed(Math.floor(r() * 8) + 1),
    ]);
  return Array.from({ length: n }, (_, i) => {
    const u = 1_000_000 + i * 20;
    const futures = r() < 0.3;
    const data = R.depthUpdate({ E: 1_700_000_000_000 + i, T: 1_700_000_000_000 + i, s: 'BTCUSDT', U: u - 5, u, pu: u - 6, bids: lv(), asks: lv() }, futures);
    return R.combined('btcusdt@depth@100ms', data);
  });
}

/** The hub's event for a scanned delta: the real builder (which respells removals), then stamped. */
function eventOf(m: DeltaMessage, seq: number): MarketEvent {
  const e = bookDeltaEvent({ exchange: 'binance', symbol: 'BTC/USDT', market: m.market }, rules, m, undefined, 1_796_678_147_983_660 + seq);
  return { ...e, seq, epoch: 'lsp0test' } as MarketEvent;
}

/** A scanner recording into its spans, and a writer of `size` bytes reading them: the CLI's pair. */
function spansWriter(size: number): { spans: LevelSpans; scanner: DepthScanner; buf: Buffer; w: JsonBytes } {
  const spans = new LevelSpans();
  const buf = Buffer.alloc(size);
  return { spans, scanner: new DepthScanner(spans), buf, w: new JsonBytes(buf, spans) };
}

describe('level spans: a delta line copies its levels from the frame', () => {
  it('writes exactly JSON.stringify of each event, real captures and seeded zeros, and copies every array', () => {
    const { spans, scanner, buf, w } = spansWriter(1 << 20);
    let lines = 0;
    let copied = 0;
    let respelled = 0;
    for (const f of [...capturedFrames(), ...seededFrames(7, 2000)]) {
      const m = scanner.scan(f, Buffer.from(f));
      if (m?.kind !== 'book') continue;
      const before = JSON.stringify([m.bids, m.asks]);
      const e = eventOf(m, lines);
      if (JSON.stringify([m.bids, m.asks]) !== before) respelled++;
      if (spans.find(m.bids) >= 0 && spans.find(m.asks) >= 0) copied++;
      const end = w.write(e, 0);
      expect(buf.toString('latin1', 0, end)).toBe(JSON.stringify(e));
      lines++;
    }
    expect(lines).toBeGreaterThan(2000);
    expect(copied).toBe(lines);
    expect(respelled).toBeGreaterThan(500); // the captures' "0.00000000" removals, the seeded zeros
  });

  it('writes zero sizes the frame spelled its own way as they are when nothing respelled them', () => {
    const { scanner, buf, w } = spansWriter(1 << 16);
    let unspelled = 0;
    for (const f of seededFrames(11, 400)) {
      const m = scanner.scan(f, Buffer.from(f))!;
      if (m.kind !== 'book') continue;
      // respell only the bids: the asks keep the frame's spelling
      const e = { ...eventOf({ ...m, asks: [] }, 1), asks: m.asks } as MarketEvent;
      if (m.asks.some(([, q]) => q !== '0' && /^0[0.]*$/.test(q))) unspelled++;
      const end = w.write(e, 0);
      expect(buf.toString('latin1', 0, end)).toBe(JSON.stringify(e));
    }
    expect(unspelled).toBeGreaterThan(50);
  });

  it('copies only the arrays of the frame just scanned, as they were scanned', () => {
    const { spans, scanner, buf, w } = spansWriter(1 << 16);
    const [f1, f2] = seededFrames(5, 40).filter((f) => (JSON.parse(f).data.b as unknown[]).length > 2);
    const m1 = scanner.scan(f1!, Buffer.from(f1!))! as DeltaMessage;
    const e1 = eventOf(m1, 1);
    expect(spans.find(m1.bids)).toBe(0);
    const copy = { ...e1, bids: [...m1.bids] } as MarketEvent;
    expect(spans.find((copy as { bids: Level[] }).bids)).toBe(-1);
    const m2 = scanner.scan(f2!, Buffer.from(f2!))! as DeltaMessage;
    expect(spans.find(m1.bids)).toBe(-1); // the frame moved on: the earlier arrays are written level by level
    expect(spans.find(m2.bids)).toBe(0);
    m2.bids.push(['1.00', '2.00']); // grown since it was scanned
    expect(spans.find(m2.bids)).toBe(-1);
    for (const e of [e1, copy, eventOf(m2, 2)]) {
      const end = w.write(e, 0);
      expect(buf.toString('latin1', 0, end)).toBe(JSON.stringify(e));
    }
  });

  it('never claims an array that does not fit', () => {
    const spans = new LevelSpans();
    const scanner = new DepthScanner(spans);
    const f = seededFrames(9, 30).find((x) => (JSON.parse(x).data.b as unknown[]).length > 5)!;
    const m = scanner.scan(f, Buffer.from(f))! as DeltaMessage;
    const e = eventOf(m, 3);
    const full = JSON.stringify(e);
    for (let len = 1; len < full.length; len++) {
      const r = new JsonBytes(Buffer.alloc(len), spans).write(e, 0);
      expect(r, `${len} bytes`).toBe(NO_ROOM);
    }
    const buf = Buffer.alloc(full.length);
    expect(new JsonBytes(buf, spans).write(e, 0)).toBe(full.length);
    expect(buf.toString('latin1')).toBe(full);
  });

  it('the NDJSON sink writes the same lines with the spans as JSON.stringify, real captures through the real sink', async () => {
    const spans = new LevelSpans();
    const scanner = new DepthScanner(spans);
    const { out, batches } = recordingWritable();
    const events = new Subject<MarketEvent>();
    const sub = writeNdjson(events, out, { maxBufferedBytes: 1 << 30, levelSpans: spans });
    const expected: string[] = [];
    let seq = 0;
    for (const f of capturedFrames()) {
      const m = scanner.scan(f, Buffer.from(f));
      if (m?.kind !== 'book') continue;
      const e = eventOf(m, ++seq);
      expected.push(JSON.stringify(e));
      events.next(e);
    }
    sub.unsubscribe();
    await new Promise((r) => setImmediate(r));
    const lines = batches.flat(); // every write ended with a whole line (recordingWritable checks)
    expect(lines.length).toBeGreaterThan(1000);
    expect(lines).toEqual(expected);
  });
});
