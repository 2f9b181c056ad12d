/**
 * Latency, measured inside one process with the same clock tickwire stamps `localTime` with (the frame's arrival,
 * taken when the socket's `message` reaches the connection): (a) → the event reaching an embedded subscriber;
 * (b) → the write callback of its NDJSON line on this process's stdout, a pipe the parent reads (what `tickwire
 * stream | …` does), and (p) → the moment that line was in the pipe (see start()); (c) → a local-server (`tickwire
 * serve`'s startServer on the same hub) WebSocket client's `message` event — in its own process
 * (bench/clients/server-reader.mjs; `serverClient: 'same-process'`: in this one, as before the ninth pass). `paths` (start
 * message) picks the sinks: 'ndjson' and/or 'server' — one run per sink, so that one sink's work does not delay the
 * other's. Only the measurement wraps stdout's `write` (to pass a callback and keep each write's chunk and times).
 *
 * With each phase's samples it reports what the OS did to this process meanwhile (Linux): its CPU time, the time
 * it waited runnable for a CPU (`/proc/self/schedstat`) and the host's steal time (`/proc/stat`, both CPUs), and its
 * garbage collections (count, total and longest pause per kind, from `perf_hooks`) — the stalls that make the tail.
 * `TW_DIST` loads another build's `dist/` (A/B runs).
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { rootRequire } from '../lib/root-require.mjs';

const DIST = process.env.TW_DIST ?? '../../dist';
const { stream } = await import(`${DIST}/index.js`);
const { writeNdjson } = await import(`${DIST}/sinks/ndjson.js`);
/** The CLI's stdout (`tickwire stream`): an FdWriter on a pipe (builds before it: undefined → process.stdout). */
const { stdoutOutput } = await import(`${DIST}/sinks/fd-writer.js`).catch(() => ({}));
const { systemClock } = await import(`${DIST}/util/clock.js`);
const { startServer } = await import(`${DIST}/sinks/server/index.js`).catch(() => import(`${DIST}/server/index.js`)); // older builds: src/server

const WebSocket = rootRequire('ws');

const MAX = 2_000_000;
const a = new Float64Array(MAX);
const b = new Float64Array(MAX);
const c = new Float64Array(MAX);
let nc = 0;
let na = 0;
let nb = 0;
let np = 0;
const p = new Float64Array(MAX);
/** [chunk, µs, chunk, µs, …] of the writes made while recording (see start()). */
let bChunks = [];
let pChunks = [];
/** The local server: [chunks, µs, …] of the writes to its clients' sockets while recording (see stampSends). */
let sChunks = [];
let server;

/** For every book_delta line of every chunk: (time − the line's localTime) into `into` from `n`; the new count. */
function linesToSamples(pairs, into, n) {
  for (let j = 0; j < pairs.length; j += 2) {
    const text = String(pairs[j]);
    const now = pairs[j + 1];
    for (let at = 0; at < text.length && n < MAX; ) {
      const end = text.indexOf('\n', at);
      const stop = end < 0 ? text.length : end;
      if (text.startsWith('{"type":"book_delta"', at)) {
        const i = text.indexOf('"localTime":', at);
        if (i >= 0 && i < stop) into[n++] = now - Number(text.slice(i + 12, text.indexOf(',', i)));
      }
      at = stop + 1;
    }
  }
  return n;
}
let recording = false;

/** [cpu ns, run-queue wait ns, timeslices] of this process, and the host's steal in ms (USER_HZ = 100). */
function osStats() {
  try {
    const [cpu, wait, slices] = readFileSync('/proc/self/schedstat', 'utf8').trim().split(' ').map(Number);
    const steal = Number(readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/ +/)[8]) * 10;
    return { cpu, wait, slices, steal };
  } catch {
    return undefined; // not Linux
  }
}
let os0;
/** The garbage collections of this process while recording: [count, total ms, longest ms] per kind. */
let gc = {};
const GC_KINDS = { [perf.NODE_PERFORMANCE_GC_MINOR]: 'minor', [perf.NODE_PERFORMANCE_GC_MAJOR]: 'major', [perf.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [perf.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
new PerformanceObserver((list) => {
  if (!recording) return;
  for (const e of list.getEntries()) {
    const kind = GC_KINDS[e.detail?.kind] ?? 'other';
    const g = (gc[kind] ??= [0, 0, 0]);
    g[0]++;
    g[1] += e.duration;
    g[2] = Math.max(g[2], e.duration);
  }
}).observe({ entryTypes: ['gc'] });

let cfg;
process.on('message', (m) => {
  if (m.t === 'start') start(m);
  else if (m.t === 'record') {
    na = nb = nc = np = 0;
    bChunks = [];
    pChunks = [];
    sChunks = [];
    if (server) for (const session of server.clients()) stampSends(session.ws._socket);
    os0 = osStats();
    gc = {};
    recording = true;
    process.send({ t: 'recording' });
  } else if (m.t === 'collect') {
    recording = false;
    const os1 = osStats();
    nb = linesToSamples(bChunks, b, nb);
    np = linesToSamples(pChunks, p, np);
    bChunks = [];
    pChunks = [];
    const sent = sendSamples(sChunks);
    sChunks = [];
    const os =
      os0 && os1
        ? { cpuMs: (os1.cpu - os0.cpu) / 1e6, waitMs: (os1.wait - os0.wait) / 1e6, slices: os1.slices - os0.slices, stealMs: os1.steal - os0.steal, gc }
        : undefined;
    process.send({ t: 'samples', os, a: Array.from(a.subarray(0, na)), b: Array.from(b.subarray(0, nb)), p: Array.from(p.subarray(0, np)), c: Array.from(c.subarray(0, nc)), ...sent });
  } else if (m.t === 'stop') process.exit(0);
});

/**
 * `out` (an FdWriter: bytes go to the pipe with write(2) at the sink's flushes, no callback) measured: a chunk is in
 * the pipe when the writer's count of bytes written reaches its end, seen after each of the sink's writes and each
 * retry of the writer (its `pump`). `b` gets the same time (no callback comes later). Chunks are copied when handed
 * over: the sink reuses its chunk once the writer took every byte.
 */
function measureFdWriter(out) {
  const write = out.write.bind(out);
  const pump = out.pump;
  let given = 0;
  const waiting = []; // [end offset, chunk copy]
  const settle = () => {
    const inPipe = given - out.writableLength;
    if (waiting.length === 0 || waiting[0][0] > inPipe) return;
    const now = systemClock.nowMicros();
    while (waiting.length > 0 && waiting[0][0] <= inPipe) {
      const [, chunk] = waiting.shift();
      if (recording) pChunks.push(chunk, now), bChunks.push(chunk, now);
    }
  };
  out.write = (chunk) => {
    given += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    waiting.push([given, typeof chunk === 'string' ? chunk : Buffer.from(chunk)]);
    const r = write(chunk);
    settle();
    return r;
  };
  out.pump = () => {
    pump();
    settle();
  };
}

function start(m) {
  cfg = m;
  const paths = new Set(m.paths ?? ['ndjson', 'server']);
  // LAT_STDOUT=stream: process.stdout (libuv's stream), as before the CLI had FdWriter
  const fdw = process.env.LAT_STDOUT === 'stream' ? undefined : stdoutOutput?.();
  const out = fdw ?? process.stdout;
  if (fdw !== undefined && fdw !== process.stdout) {
    measureFdWriter(fdw);
    process.send({ t: 'output', kind: 'fd-writer' });
  } else measureStream(out);
  const live = new Set();
  const events = stream({
    markets: cfg.symbols.map((s) => `binance:${s}`),
    channels: ['book'],
    endpoints: { binance: { ws: cfg.ws, rest: cfg.rest } },
    onHub: (hub) => {
      if (paths.has('server')) void serve(hub);
    },
  });
  if (paths.has('ndjson')) writeNdjson(events, out, { maxBufferedBytes: 8 * 1024 * 1024 });
  events.subscribe((e) => {
    if (e.type === 'book_delta') {
      if (recording && na < MAX) a[na++] = systemClock.nowMicros() - e.localTime;
    } else if (e.type === 'status' && e.scope === 'stream' && e.state === 'live' && e.symbol) {
      live.add(e.symbol);
      if (live.size === cfg.symbols.length) process.send({ t: 'ready' });
    }
  });
}

/** `out` (process.stdout) measured through the callbacks of its writes. */
function measureStream(out) {
  const write = out.write.bind(out);
  // Each write carries one or more whole lines (the sink batches them). While recording, only the time and the chunk
  // are kept (parsing them here would delay the frames still being processed); every book_delta line of a chunk
  // gets that chunk's sample at collect time. `b`: the write's callback. `p`: when the bytes were in the kernel's
  // pipe, readable by the reader: the write returned with nothing left pending in the writable (`writableLength`
  // 0), or else — the write was queued behind others or the pipe was full — its callback.
  out.write = (chunk) => {
    let inPipe = false;
    const r = write(chunk, () => {
      if (!recording) return;
      const now = systemClock.nowMicros();
      bChunks.push(chunk, now);
      if (!inPipe) pChunks.push(chunk, now);
    });
    if (out.writableLength === 0) {
      inPipe = true;
      if (recording) pChunks.push(chunk, systemClock.nowMicros());
    }
    return r;
  };
}

/**
 * Server side: the moment each write to a client's socket returned — the system call done, the bytes in the kernel
 * (`_writev` when the socket was corked for a turn's messages, `_write` for one). Only the chunks and the time are kept
 * while recording; their book_delta messages' `localTime`s are read at collect time (sendSamples).
 */
function stampSends(sock) {
  if (sock === undefined || sock.twStamped) return;
  sock.twStamped = true;
  const writev = sock._writev;
  const write = sock._write;
  sock._writev = function (chunks, cb) {
    const kept = recording ? chunks.map((x) => x.chunk) : undefined; // before: an all-Buffer writev replaces the entries
    const r = writev.call(this, chunks, cb);
    if (kept) sChunks.push(kept, systemClock.nowMicros());
    return r;
  };
  sock._write = function (chunk, enc, cb) {
    const r = write.call(this, chunk, enc, cb);
    if (recording) sChunks.push([chunk], systemClock.nowMicros());
    return r;
  };
}

/** `{ sat: [localTime…], s: [write returned − localTime…] }` of every book_delta message written to a client. */
function sendSamples(pairs) {
  const sat = [];
  const s = [];
  for (let j = 0; j < pairs.length; j += 2) {
    for (const chunk of pairs[j]) {
      const text = String(chunk);
      for (let k = text.indexOf('"type":"book_delta"'); k >= 0; k = text.indexOf('"type":"book_delta"', k + 1)) {
        const i = text.indexOf('"localTime":', k);
        if (i < 0) break;
        const lt = Number(text.slice(i + 12, text.indexOf(',', i)));
        sat.push(lt);
        s.push(pairs[j + 1] - lt);
      }
    }
  }
  return { sat, s };
}

async function serve(hub) {
  server = await startServer({ hub, port: 0, host: '127.0.0.1' });
  if (cfg.serverClient !== 'same-process') {
    // the client runs in its own process (bench/clients/server-reader.mjs): tell the parent where, and the offset of
    // the clock `localTime` is stamped with from CLOCK_MONOTONIC
    const offset = systemClock.nowMicros() - Number(process.hrtime.bigint() / 1000n);
    process.send({ t: 'server', url: server.url, offset });
    return;
  }
  const ws = new WebSocket(server.url);
  ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', id: 1, streams: cfg.symbols.map((s) => `binance:${s}@book`) })));
  ws.on('message', (data) => {
    if (!recording || nc >= MAX) return;
    const now = systemClock.nowMicros();
    const text = data.toString();
    if (!text.includes('"type":"book_delta"')) return;
    const i = text.indexOf('"localTime":');
    if (i >= 0) c[nc++] = now - Number(text.slice(i + 12, text.indexOf(',', i)));
  });
}
