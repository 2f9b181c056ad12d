/**
 * The NDJSON sink's batching: lines written in one tick leave together (one write), but no line waits for a long
 * tick's remaining frames — once a frame that arrived more than 100 µs after the first waiting line's frame is
 * processed, the waiting lines leave (in a burst at most one such write per 0.5 ms of the clock while the output
 * keeps up; every one while it has a backlog). Order and completeness are kept either way. Lines are serialized into chunks
 * written as Buffers: the bytes must be exactly the UTF-8 of each event's JSON line, in order, whatever the line
 * (non-ASCII text, a line larger than a chunk) and wherever a chunk ends.
 */
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { Subject } from 'rxjs';
import { writeNdjson } from '../../src/sinks/ndjson.js';
import { recordingWritable } from '../helpers/recording-writable.js';
import type { BookDeltaEvent, MarketEvent, StatusEvent } from '../../src/schema/events.js';

const delta = (seq: number, localTime: number): BookDeltaEvent => ({
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

  it('does not hold lines for the rest of a long tick; in a burst, a write per 0.5 ms of it at most; keeps every line in order', async () => {
    const { out, batches } = recordingWritable();
    const events = new Subject<MarketEvent>();
    let nowMs = 0;
    writeNdjson(events, out, { maxBufferedBytes: 1 << 20, now: () => nowMs });
    for (let i = 1; i <= 600; i++) {
      const t = 5_000_000 + i * 10; // a burst: one frame processed every 10 µs, a 6 ms tick
      nowMs = t / 1000; // the wall clock moves with the frames
      events.next(delta(i, t));
    }
    const beforeTickEnd = batches.flat().length;
    await tickEnd();
    const seqs = batches.flat().map((l) => JSON.parse(l).seq);
    expect(seqs).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(beforeTickEnd).toBeGreaterThan(500); // most lines left during the tick
    // until 2 ms of lines show the rate, a write per ~110 µs (18); then per 0.5 ms (8); not one per 110 µs throughout (55)
    expect(batches.length).toBeLessThanOrEqual(30);
    for (const b of batches) {
      const lt = b.map((l) => JSON.parse(l).localTime as number);
      expect(lt[lt.length - 1]! - lt[0]!).toBeLessThanOrEqual(600); // no line waited on frames > 0.6 ms younger
    }
  });

  it('at the real cadence, writes every early batch of a long tick (a busy CPU stretches a step)', async () => {
    const { out, batches } = recordingWritable();
    const events = new Subject<MarketEvent>();
    let nowMs = 0;
    writeNdjson(events, out, { maxBufferedBytes: 1 << 20, now: () => nowMs });
    for (let step = 0; step < 3; step++) {
      for (let i = 1; i <= 20; i++) {
        const t = 5_000_000 + step * 100_000 + i * 150; // a step's 20 frames, 150 µs apart (a 3 ms tick)
        nowMs = t / 1000;
        events.next(delta(step * 20 + i, t));
      }
      await tickEnd();
    }
    expect(batches.flat().map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(batches.length).toBe(60); // each frame is > 100 µs younger than the one before: each line leaves at once
  });

  it('while the output has a backlog, writes the lines of every 100 µs of a long tick', async () => {
    // an output with bytes waiting (writableLength > 0): each call is one batch
    const batches: string[][] = [];
    const out = {
      write(chunk: Buffer | string): boolean {
        batches.push(String(chunk).slice(0, -1).split('\n'));
        return false;
      },
      writableLength: 1,
      on: () => undefined,
    };
    const events = new Subject<MarketEvent>();
    writeNdjson(events, out, { maxBufferedBytes: 1 << 20, now: () => 0 }); // the clock stands still: no 0.5 ms passes
    for (let i = 1; i <= 200; i++) events.next(delta(i, 5_000_000 + i * 30));
    await tickEnd();
    expect(batches.flat().map((l) => JSON.parse(l).seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(batches.length).toBeGreaterThan(40);
    for (const b of batches) {
      const lt = b.map((l) => JSON.parse(l).localTime as number);
      expect(lt[lt.length - 1]! - lt[0]!).toBeLessThanOrEqual(100); // the writer gets every batch to retry the pipe
    }
  });
});

/** A real Writable that keeps every byte it was given (asynchronously acknowledged, like a pipe that drains). */
function byteWritable(): { out: Writable; bytes: () => Promise<Buffer>; writes: () => number } {
  const parts: Buffer[] = [];
  let writes = 0;
  const out = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      writes++;
      parts.push(Buffer.isBuffer(chunk) ? Buffer.from(chunk) : Buffer.from(chunk, 'utf8'));
      setImmediate(cb);
    },
  });
  /** Everything written, once the writable has taken all of it (ends it). */
  const bytes = async (): Promise<Buffer> => {
    await new Promise((r) => out.end(r));
    return Buffer.concat(parts);
  };
  return { out, bytes, writes: () => writes };
}

const status = (seq: number, reason: string): StatusEvent => ({
  type: 'status',
  scope: 'stream',
  exchange: 'binance',
  symbol: 'BTC/USDT',
  state: 'live',
  code: 'TW_OK',
  reason,
  localTime: 1_000_000 + seq,
  seq,
  epoch: 'e',
});

describe('writeNdjson bytes', () => {
  it('writes exactly the UTF-8 of every line, in order, across chunk ends, non-ASCII text and a line larger than a chunk', async () => {
    const { out, bytes, writes } = byteWritable();
    const events = new Subject<MarketEvent>();
    writeNdjson(events, out, { maxBufferedBytes: 64 << 20 });
    const deep: MarketEvent = {
      ...delta(0, 1_000_000),
      type: 'book_snapshot',
      bids: Array.from({ length: 3000 }, (_, i) => [`${60000 - i}.12345678`, `${i}.5`] as [string, string]),
      asks: [],
    } as MarketEvent; // ~80 kB of JSON: more than one chunk
    const sent: MarketEvent[] = [];
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 48271) % 2147483647) % n);
    for (let i = 1; i <= 3000; i++) {
      // one tick: localTime barely moves, so only chunk ends (and the deep line) split the output
      const e =
        i === 1500 ? deep
        : i % 3 === 0 ? status(i, `réseau coupé ✂ ${'é'.repeat(rnd(400))} 😀 ${'x'.repeat(rnd(3000))}`)
        : delta(i, 1_000_000 + (i % 50));
      sent.push(e);
      events.next(e);
    }
    await tickEnd();
    const want = Buffer.from(sent.map((e) => JSON.stringify(e) + '\n').join(''), 'utf8');
    expect(want.length).toBeGreaterThan(4 * 64 * 1024); // several chunks' worth
    expect((await bytes()).equals(want)).toBe(true);
    expect(writes()).toBeGreaterThan(3); // chunk ends, and the deep line on its own
  });

  it('an output that copies every write out at once (FdWriter): the chunk is reused, the bytes stay exact', async () => {
    // each write's bytes are copied when written (as write(2) into a pipe does); the sink then reuses its chunk
    const copies: Buffer[] = [];
    const held: Buffer[] = []; // the very Buffers handed over: reused ones change under them afterwards
    const out = {
      consumesWrites: true,
      writableLength: 0,
      write(chunk: Buffer | string): boolean {
        const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        copies.push(Buffer.from(b));
        held.push(b);
        return true;
      },
      on: () => out,
    };
    const events = new Subject<MarketEvent>();
    writeNdjson(events, out, { maxBufferedBytes: 64 << 20 });
    const sent: MarketEvent[] = [];
    for (let turn = 0; turn < 40; turn++) {
      for (let i = 1; i <= 30; i++) {
        const e = i % 7 === 0 ? status(turn * 100 + i, `x${'y'.repeat(turn * 7)}`) : delta(turn * 100 + i, 1_000_000 + turn * 1_000 + i);
        sent.push(e);
        events.next(e);
      }
      await tickEnd();
    }
    const want = Buffer.from(sent.map((e) => JSON.stringify(e) + '\n').join(''), 'utf8');
    expect(Buffer.concat(copies).equals(want)).toBe(true);
    // the chunk was reused: some Buffer handed over earlier no longer holds what was written from it
    expect(held.some((b, i) => !b.equals(copies[i]!))).toBe(true);
  });

  it('a Writable that keeps the Buffers it was given until written: none is reused under it', async () => {
    const kept: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        kept.push(chunk); // by reference, as a socket's queue does
        setImmediate(cb);
      },
    });
    const events = new Subject<MarketEvent>();
    writeNdjson(events, out, { maxBufferedBytes: 64 << 20 });
    const sent: MarketEvent[] = [];
    // frames 200 µs apart: every line leaves in a write of its own, all within one turn
    for (let i = 1; i <= 200; i++) {
      const e = delta(i, 1_000_000 + i * 200);
      sent.push(e);
      events.next(e);
    }
    await tickEnd();
    await new Promise((r) => out.end(r));
    expect(Buffer.concat(kept).toString()).toBe(sent.map((e) => JSON.stringify(e) + '\n').join(''));
  });

  it('writes a turn\'s last line at the end of the turn when it had to start a new chunk', async () => {
    const line = (i: number): BookDeltaEvent => ({
      ...delta(i, 2_000_000 + i),
      bids: Array.from({ length: 40 }, (_, k) => [`${100 + k}.5`, `${k}.25`] as [string, string]),
    }); // ~900 bytes: the chunk fills after some 60 lines
    for (let n = 50; n <= 90; n++) {
      const parts: Buffer[] = [];
      const out = new Writable({
        write(chunk: Buffer, _enc, cb) {
          parts.push(Buffer.from(chunk));
          cb();
        },
      });
      const events = new Subject<MarketEvent>();
      writeNdjson(events, out, { maxBufferedBytes: 64 << 20 });
      const sent = Array.from({ length: n }, (_, i) => line(i + 1));
      for (const e of sent) events.next(e);
      await tickEnd(); // no unsubscribe, no end: only the turn's end writes the waiting lines
      expect(Buffer.concat(parts).toString('utf8'), `${n} lines`).toBe(sent.map((e) => JSON.stringify(e) + '\n').join(''));
    }
  });

  it('writes the lines still waiting when it is unsubscribed (the CLI stopping), in order', async () => {
    const { out, bytes } = byteWritable();
    const events = new Subject<MarketEvent>();
    const sub = writeNdjson(events, out, { maxBufferedBytes: 1 << 20 });
    const sent = [delta(1, 10), delta(2, 11), status(3, 'stopping')];
    for (const e of sent) events.next(e);
    sub.unsubscribe(); // before the tick ends
    expect((await bytes()).toString('utf8')).toBe(sent.map((e) => JSON.stringify(e) + '\n').join(''));
  });
});
