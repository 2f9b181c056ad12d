#!/usr/bin/env node
/**
 * The embedded pipeline in one process, without sockets, on frames captured from the bench's simulator — for A/B
 * comparisons of builds that the socket benchmark's noise would hide. Each build's Hub gets the captured frames
 * through its connection callback exactly as the connection hands them over (a fresh Buffer → its text →
 * `onFrame(text, time, buffer)`), REST depth bodies from a fresh simulator (same seed), and every event goes to a
 * subscriber; builds alternate pass by pass.
 *
 *   node bench/run.mjs --rounds 1 --clients capture --configs 20x20k --no-latency   # CAPTURE_FILE=/tmp/f20.bin
 *   node bench/inprocess.mjs /tmp/f20.bin [--mode hub|hub-books|hub-booksop|scanbook|scan|floor] [--rounds 12] [--frames 100000]
 *                            [--clock wall|cpu] [dist …]
 *
 * Modes: `hub` the whole pipeline; `hub-books` + `stream().books()` (liveBooksOf) reading best bid/ask on every
 * update (`NO_READS=1`: only the emission); `hub-ndjson` + the NDJSON sink (what `tickwire stream` writes) into a
 * Writable that takes every chunk at once; `json` the NDJSON sink's serializer alone (JsonBytes, `DIST/sinks/json-bytes.js`)
 * on the hub's last `JSON_EVENTS` (300) book_delta events, written 200 times over per pass (hot, as the sink writes an
 * event just built); `hub-booksop` + `pipe(books())` (the second copy), the same reads; `scanbook` the Binance scanner + OrderBook; `scan` the scanner alone; `floor`
 * `JSON.parse` of the same Buffers. Prints the min and median ns per frame of each build (default: ./dist); with
 * `ALLOC=1` also the bytes allocated per frame in each pass (the V8 heap, GCProfiler).
 */
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { Writable } from 'node:stream';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { SYMBOLS_20, native, startBenchSim } from './lib/sim-driver.mjs';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mode: { type: 'string', default: 'hub' },
    rounds: { type: 'string', default: '12' },
    frames: { type: 'string', default: '100000' },
    clock: { type: 'string', default: 'wall' }, // wall | cpu (process.cpuUsage: on a loaded box, not the waits for a CPU)
  },
});
const [file, ...distArgs] = positionals;
if (!file) throw new Error('usage: node bench/inprocess.mjs FRAMES_FILE [--mode hub|scanbook|scan|floor] [dist …]');
const dists = (distArgs.length ? distArgs : ['dist']).map((d) => pathToFileURL(resolve(d)).href);
const mode = opt.mode;
/** Nanoseconds on the chosen clock. */
const now = opt.clock === 'cpu' ? () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; } : () => Number(process.hrtime.bigint());

const raw = readFileSync(file);
const offs = [];
for (let o = 0; o < raw.length && offs.length < Number(opt.frames); ) {
  const n = raw.readUInt32LE(o);
  offs.push([o + 4, o + 4 + n]);
  o += 4 + n;
}
const frame = (i) => raw.subarray(offs[i][0], offs[i][1]);

// the markets the capture holds, and their REST depth bodies from a fresh simulator (the capture starts there)
const markets = [...new Set(offs.slice(0, 2000).map((_, i) => /"s":"([A-Z]+)"/.exec(frame(i).toString())?.[1]).filter(Boolean))];
const symbols = SYMBOLS_20.filter((s) => markets.includes(native(s)));
const sim = await startBenchSim(symbols);
sim.pause();
const bodies = {};
for (const s of symbols) bodies[native(s)] = await (await fetch(`${sim.endpoints.binance.rest}/api/v3/depth?symbol=${native(s)}&limit=1000`)).text();
await sim.close();
const WARM = 40 * symbols.length; // the bench's warm-up bursts: one diff per symbol each

const builds = [];
for (const d of dists) {
  const [scanMod, { OrderBook }, { parseDepthSnapshot }, { Hub }, { parseConfig }, codes] = await Promise.all([
    import(`${d}/exchanges/binance/scan.js`),
    import(`${d}/book/order-book.js`),
    import(`${d}/exchanges/binance/common.js`),
    import(`${d}/pipeline/hub.js`),
    import(`${d}/config.js`),
    import(`${d}/book/level-codes.js`).catch(() => undefined),
  ]);
  const { liveBooksOf } = await import(`${d}/api/live-books.js`).catch(() => ({}));
  const { books: booksOp } = await import(`${d}/operators/books.js`);
  const { writeNdjson } = await import(`${d}/sinks/ndjson.js`);
  const { LevelSpans } = await import(`${d}/book/level-spans.js`).catch(() => ({}));
  const snaps = Object.fromEntries(Object.entries(bodies).map(([m, b]) => [m, parseDepthSnapshot(b)]));
  // builds before the scanner became an object (module state: `scanDepthUpdate`, `levelCodes`) and after (`DepthScanner`, the codes on the message)
  const scanner = scanMod.DepthScanner ? new scanMod.DepthScanner() : undefined;
  const scanDepthUpdate = scanner ? (f, bytes) => scanner.scan(f, bytes) : scanMod.scanDepthUpdate;
  const codesOf = codes?.codesFor ? (m) => codes.codesFor(m) : codes?.levelCodes ? (m) => codes.levelCodes.of(m.bids) : () => undefined;
  builds.push({ d, scanDepthUpdate, OrderBook, Hub, parseConfig, snaps, codesOf, liveBooksOf, booksOp, writeNdjson, LevelSpans, times: [] });
}

function loopPass(b) {
  const books = new Map();
  if (mode === 'scanbook') {
    for (const [m, sn] of Object.entries(b.snaps)) {
      const book = new b.OrderBook();
      book.applySnapshot(sn.bids, sn.asks);
      books.set(m, book);
    }
  }
  let sink = 0;
  const alloc = allocMeter();
  const t0 = now();
  for (let i = 0; i < offs.length; i++) {
    if (mode === 'floor') {
      sink += JSON.parse(frame(i)).data.u & 1;
      continue;
    }
    const buf = frame(i);
    const d = b.scanDepthUpdate(buf.toString(), buf);
    if (mode === 'scanbook') books.get(d.market).applyLevels(d.bids, d.asks, b.codesOf(d));
    sink += d.updateId & 1;
  }
  b.times.push((now() - t0) / offs.length);
  if (alloc) (b.alloc ??= []).push(alloc.stop() / offs.length);
  return sink;
}

/**
 * ALLOC=1: bytes allocated on the V8 heap during the measured feed (GCProfiler: what each GC found in use, less what the
 * one before left, plus what is in use at the end), per frame — printed next to the times.
 */
function allocMeter() {
  if (!process.env.ALLOC) return undefined;
  const prof = new v8.GCProfiler();
  const start = v8.getHeapStatistics().used_heap_size;
  prof.start();
  return {
    stop() {
      const end = v8.getHeapStatistics().used_heap_size;
      const { statistics } = prof.stop();
      let total = 0;
      let after = start;
      for (const g of statistics) {
        total += g.beforeGC.heapStatistics.usedHeapSize - after;
        after = g.afterGC.heapStatistics.usedHeapSize;
      }
      return total + end - after;
    },
  };
}

/** The system clock's origin (src/util/clock.ts): localTime is integer epoch µs, as in a real run. */
const origin = Date.now() * 1000 - Math.round(performance.now() * 1000);

/** A Writable that takes every chunk at once (what a reader that keeps up does), for the NDJSON sink. */
function devNull() {
  // NDJSON_CONSUMES=1: as the CLI's FdWriter on a pipe that keeps up (every write copied out at once)
  if (process.env.NDJSON_CONSUMES) return { write: () => true, writableLength: 0, consumesWrites: true, on() {} };
  return new Writable({ write: (_chunk, _enc, cb) => cb(), writev: (_chunks, cb) => cb() });
}

async function hubPass(b) {
  let onFrame;
  const config = b.parseConfig({
    markets: symbols.map((s) => `binance:${s}`),
    channels: ['book'],
    endpoints: { binance: { ws: 'ws://127.0.0.1:9', rest: 'http://127.0.0.1:9' } },
  });
  // hub-ndjson: as the CLI does, scanners record their level arrays' bytes for the sink (builds that have LevelSpans)
  const levelSpans = mode === 'hub-ndjson' && b.LevelSpans ? new b.LevelSpans() : undefined;
  const hub = new b.Hub(config, {
    ...(levelSpans ? { levelSpans } : {}),
    http: async (url) => ({ status: 200, headers: {}, body: bodies[new URL(url).searchParams.get('symbol')] }),
    createConnection(o) {
      onFrame = o.onFrame;
      const events$ = {
        subscribe(obs) {
          queueMicrotask(() => {
            obs.next({ kind: 'status', state: 'open', code: 'TW_OK', reason: 'open', localTime: 0 });
            o.onOpen();
          });
          return { unsubscribe() {} };
        },
      };
      return { id: o.id, events$, start() {}, send() {}, notePong() {}, reconnect() {}, close() {}, isOpen: true };
    },
  });
  const live = new Set();
  let bad = 0;
  let sink = 0;
  const sub = hub.events$.subscribe((e) => {
    if (e.type === 'book_delta') sink += e.updateId & 1;
    else if (e.type === 'status' && e.scope === 'stream') {
      if (e.state === 'live') live.add(e.symbol);
      else if (e.state !== 'syncing') bad++;
    }
  });
  // hub-books: + stream().books()'s read-only views; hub-booksop: + pipe(books()); each reading best bid and ask
  const reads = (m) => {
    if (process.env.NO_READS ? m.trusted : m.trusted && m.book.bestBid() !== undefined && m.book.bestAsk() !== undefined) sink++;
  };
  const extra =
    mode === 'hub-books'
      ? b.liveBooksOf(hub.events$, () => hub).subscribe(reads)
      : mode === 'hub-booksop'
        ? hub.events$.pipe(b.booksOp()).subscribe(reads)
        : mode === 'hub-ndjson' || mode === 'json'
          ? b.writeNdjson(hub.events$, devNull(), { maxBufferedBytes: 64 << 20, ...(levelSpans ? { levelSpans } : {}) })
          : undefined;
  for (const s of symbols) void hub.add('binance', s, ['book']);
  // the adapter loads on the first add (a dynamic import: tens of ms), then the connection is made
  for (let n = 0; onFrame === undefined && n < 500; n++) await new Promise((r) => setTimeout(r, 10));
  let i = 0;
  // as the connection does: the text, the arrival time as the system clock gives it (integer epoch µs), the bytes
  const feed = (buf) => onFrame(buf.toString(), origin + Math.round(performance.now() * 1000), buf);
  // one diff per symbol at a time, with a turn of the event loop after each burst so that the REST snapshots (the
  // capture's first state) land while the deltas that bridge them are still buffered: a book waiting for its snapshot
  // keeps only its last 10–20 deltas (book-driver.ts)
  for (; i < WARM; i++) {
    feed(frame(i));
    if ((i + 1) % symbols.length === 0) await new Promise((r) => setTimeout(r, 1));
  }
  for (let n = 0; live.size < symbols.length && n < 1000; n++) await new Promise((r) => setTimeout(r, 5));
  if (live.size < symbols.length) throw new Error('books did not go live');
  const alloc = allocMeter();
  const t0 = now();
  for (; i < offs.length; i++) feed(frame(i));
  b.times.push((now() - t0) / (offs.length - WARM));
  if (alloc) (b.alloc ??= []).push(alloc.stop() / (offs.length - WARM));
  if (process.env.HEAP_AT_END && globalThis.gc) {
    // with node --expose-gc: what the pass keeps alive (old space after a full GC, hub still subscribed)
    globalThis.gc();
    const sp = Object.fromEntries((await import('node:v8')).getHeapSpaceStatistics().map((x) => [x.space_name, (x.space_used_size / 1048576).toFixed(1)]));
    console.error(`heap after a full GC (MB): old ${sp.old_space} new ${sp.new_space} large ${sp.large_object_space} code ${sp.code_space}`);
  }
  sub.unsubscribe();
  extra?.unsubscribe();
  hub.close();
  if (bad) throw new Error(`${bad} statuses other than syncing/live`);
  return sink;
}

/** `json` mode: the hub's events (this build's hub), then each build's JsonBytes over the last JSON_EVENTS deltas. */
let jsonEvents;
async function jsonPass(b) {
  if (jsonEvents === undefined) {
    const all = [];
    await hubPass({ ...b, times: [], writeNdjson: (events$) => events$.subscribe((e) => all.push(e)) });
    jsonEvents = all.filter((e) => e.type === 'book_delta').slice(-Number(process.env.JSON_EVENTS ?? 300));
  }
  b.jsonBytes ??= new (await import(`${b.d}/sinks/json-bytes.js`)).JsonBytes(Buffer.allocUnsafeSlow(1 << 16));
  const w = b.jsonBytes;
  let at = 0;
  let n = 0;
  const t0 = now();
  for (let k = 0; k < 200; k++) {
    for (const e of jsonEvents) {
      let end = w.write(e, at);
      if (end === -2) end = w.write(e, (at = 0)); // NO_ROOM: the chunk's start again
      if (end < 0) throw new Error('JsonBytes declined a book_delta');
      at = end + 1;
      n++;
    }
  }
  b.times.push((now() - t0) / n);
}

const rounds = Number(opt.rounds);
for (let r = 0; r < rounds; r++) {
  for (const b of r % 2 ? [...builds].reverse() : builds) await (mode === 'json' ? jsonPass(b) : mode.startsWith('hub') ? hubPass(b) : loopPass(b));
}
for (const b of builds) {
  const t = [...b.times].sort((x, y) => x - y);
  const alloc = b.alloc ? `, allocated ${[...b.alloc].sort((x, y) => x - y).map((x) => x.toFixed(0)).join('/')} B/${mode === 'json' ? 'event' : 'frame'}` : '';
  console.log(`${mode} ${b.d}: min ${t[0].toFixed(0)} median ${t[t.length >> 1].toFixed(0)} ns/${mode === 'json' ? 'event' : 'frame'} (${opt.clock} clock, ${offs.length} frames, ${rounds} passes)${alloc}`);
}
