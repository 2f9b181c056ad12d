/**
 * The NDJSON sink's batching: lines written in one tick leave together (one writev), but no line waits for a long
 * tick's remaining frames — once a frame that arrived more than 100 µs after the first waiting line's frame is
 * processed, the waiting lines leave. Order and completeness are kept either way.
 */
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { Subject } from 'rxjs';
import { writeNdjson } from '../../src/sinks/ndjson.js';
import type { MarketEvent } from '../../src/schema/events.js';

/** A real Writable that records which lines left together in each write/writev call. */
function recordingWritable(): { out: Writable; batches: string[][] } {
  const batches: string[][] = [];
  const out = new Writable({
    writev(chunks, cb) {
      batches.push(chunks.map((c) => String(c.chunk)));
      cb();
    },
    write(chunk, _enc, cb) {
      batches.push([String(chunk)]);
      cb();
    },
  });
  return { out, batches };
}

const delta = (seq: number, localTime: number): MarketEvent => ({
  type: 'book_delta',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  market: 'BTCUSDT',
  localTime,
  integrity: 'chained',
  bids: [['100.5', '1']],
  asks: [],
  updateId: seq,
  seq,
  epoch: 'e',
});

const tickEnd = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('writeNdjson batching', () => {
  it('sends the lines of a short tick in one write', async () => {
    const { out, batches } = recordingWritable();
    const events = new Subject<MarketEvent>();
    writeNdjson(events, out, { maxBufferedBytes: 1 << 20 });
    for (let i = 1; i <= 20; i++) events.next(delta(i, 1_000_000 + i * 4)); // 20 frames within 80 µs
    expect(batches).toEqual([]); // nothing leaves before the tick's work is done
    await tickEnd();
    expect(batches.length).toBe(1);
    expect(batches[0]!.map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('does not hold lines for the rest of a long tick; keeps every line in order', async () => {
    const { out, batches } = recordingWritable();
    const events = new Subject<MarketEvent>();
    writeNdjson(events, out, { maxBufferedBytes: 1 << 20 });
    const times: number[] = [];
    for (let i = 1; i <= 200; i++) {
      const t = 5_000_000 + i * 30; // one frame processed every 30 µs: a 6 ms tick
      times.push(t);
      events.next(delta(i, t));
    }
    const beforeTickEnd = batches.flat().length;
    await tickEnd();
    const seqs = batches.flat().map((l) => JSON.parse(l).seq);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(beforeTickEnd).toBeGreaterThan(150); // most lines left during the tick
    for (const b of batches) {
      const lt = b.map((l) => JSON.parse(l).localTime as number);
      expect(lt[lt.length - 1]! - lt[0]!).toBeLessThanOrEqual(100); // no line waited on frames > 100 µs younger
    }
  });
});
