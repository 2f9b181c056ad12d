/**
 * Latency, measured inside one process with the same clock tickwire stamps `localTime` with (the frame's arrival,
 * taken when the socket's `message` reaches the connection): (a) → the event reaching an embedded subscriber;
 * (b) → the write callback of its NDJSON line on this process's stdout, a pipe the parent reads (what `tickwire
 * stream | …` does); (c) → a local-server (`tickwire serve`'s startServer on the same hub) WebSocket client's
 * `message` event, in this same process. `paths` (start message) picks the sinks: 'ndjson' and/or 'server' — one
 * run per sink, so that one sink's work does not delay the other's. Only the measurement wraps stdout's `write`
 * (to pass a callback and read the line's localTime back).
 *
 * With each phase's samples it reports what the OS did to this process meanwhile (Linux): its CPU time, the time
 * it waited runnable for a CPU (`/proc/self/schedstat`) and the host's steal time (`/proc/stat`, both CPUs) — the
 * stalls that make the tail. `TW_DIST` loads another build's `dist/` (A/B runs).
 */
import { readFileSync } from 'node:fs';
import { rootRequire } from '../lib/root-require.mjs';

const DIST = process.env.TW_DIST ?? '../../dist';
const { stream } = await import(`${DIST}/index.js`);
const { writeNdjson } = await import(`${DIST}/sinks/ndjson.js`);
const { systemClock } = await import(`${DIST}/util/clock.js`);
const { startServer } = await import(`${DIST}/server/index.js`);

const WebSocket = rootRequire('ws');

const MAX = 2_000_000;
const a = new Float64Array(MAX);
const b = new Float64Array(MAX);
const c = new Float64Array(MAX);
let nc = 0;
let na = 0;
let nb = 0;
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

let cfg;
process.on('message', (m) => {
  if (m.t === 'start') start(m);
  else if (m.t === 'record') {
    na = nb = nc = 0;
    os0 = osStats();
    recording = true;
    process.send({ t: 'recording' });
  } else if (m.t === 'collect') {
    recording = false;
    const os1 = osStats();
    const os =
      os0 && os1
        ? { cpuMs: (os1.cpu - os0.cpu) / 1e6, waitMs: (os1.wait - os0.wait) / 1e6, slices: os1.slices - os0.slices, stealMs: os1.steal - os0.steal }
        : undefined;
    process.send({ t: 'samples', os, a: Array.from(a.subarray(0, na)), b: Array.from(b.subarray(0, nb)), c: Array.from(c.subarray(0, nc)) });
  } else if (m.t === 'stop') process.exit(0);
});

function start(m) {
  cfg = m;
  const paths = new Set(m.paths ?? ['ndjson', 'server']);
  const out = process.stdout;
  const write = out.write.bind(out);
  // each write carries one or more whole lines (the sink batches them): every book_delta line in it gets this sample
  out.write = (chunk) =>
    write(chunk, () => {
      if (!recording) return;
      const now = systemClock.nowMicros();
      const text = String(chunk);
      for (let at = 0; at < text.length && nb < MAX; ) {
        const end = text.indexOf('\n', at);
        const stop = end < 0 ? text.length : end;
        if (text.startsWith('{"type":"book_delta"', at)) {
          const i = text.indexOf('"localTime":', at);
          if (i >= 0 && i < stop) b[nb++] = now - Number(text.slice(i + 12, text.indexOf(',', i)));
        }
        at = stop + 1;
      }
    });
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

async function serve(hub) {
  const server = await startServer({ hub, port: 0, host: '127.0.0.1' });
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
