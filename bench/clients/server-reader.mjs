/**
 * The local server's WebSocket client(s) for bench/latency.mjs, in their own process — where a `tickwire serve`
 * client really is — instead of sharing the hub's event loop. Latency of each book_delta message: its receipt here
 * minus the event's `localTime`, on the hub process's clock: `localTime` is systemClock there, so the hub sends the
 * offset of that clock from CLOCK_MONOTONIC (`process.hrtime`, shared by every process), and this process adds the
 * offset to its own CLOCK_MONOTONIC reading — no wall-clock skew between the two processes.
 * Each sample is kept as (localTime, receipt) so that the parent can tell, per event, its first and its last
 * client's receipt (the fan-out spread), across several reader processes (`--server-reader-procs`).
 * IPC: {t:'start', url, symbols, offset, clients, books (each client subscribes to the first `books` symbols), nice (every
 * thread of this process at that niceness where allowed)} → {t:'subscribed', nice (in force)}; {t:'record'} → {t:'recording'};
 * {t:'collect'} → {t:'samples', at: [localTime…], c: [receipt − localTime…]}.
 */
import { rootRequire } from '../lib/root-require.mjs';
import { reniceThreads } from '../lib/renice.mjs';

const WebSocket = rootRequire('ws');
const MAX = 4_000_000;
const c = new Float64Array(MAX);
const at = new Float64Array(MAX);
let nc = 0;
let recording = false;
let offset = 0;
const now = () => Number(process.hrtime.bigint() / 1000n) + offset;

process.on('message', (m) => {
  if (m.t === 'start') {
    offset = m.offset;
    // where allowed (root), ahead of the hub and the simulator on a small box, so that the receipt times measure
    // when tickwire's message arrived, not when this process next got a CPU (`--reader-nice 0`: as any process)
    const nice = reniceThreads(m.nice ?? 0);
    const clients = m.clients ?? 1;
    const seen = new Set();
    for (let k = 0; k < clients; k++) {
      const ws = new WebSocket(m.url);
      ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', id: 1, streams: m.symbols.slice(0, m.books ?? m.symbols.length).map((s) => `binance:${s}@book`) })));
      ws.on('message', (data) => {
        if (seen.size < clients && !seen.has(k)) {
          seen.add(k);
          if (seen.size === clients) process.send({ t: 'subscribed', nice });
        }
        if (!recording || nc >= MAX) return;
        const t = now();
        const text = data.toString();
        if (!text.includes('"type":"book_delta"')) return;
        const i = text.indexOf('"localTime":');
        if (i < 0) return;
        const lt = Number(text.slice(i + 12, text.indexOf(',', i)));
        at[nc] = lt;
        c[nc++] = t - lt;
      });
    }
  } else if (m.t === 'record') {
    nc = 0;
    recording = true;
    process.send({ t: 'recording' });
  } else if (m.t === 'collect') {
    recording = false;
    process.send({ t: 'samples', at: Array.from(at.subarray(0, nc)), c: Array.from(c.subarray(0, nc)) });
  } else if (m.t === 'stop') process.exit(0);
});
