#!/usr/bin/env node
// Fan-out benchmark of `tickwire serve`: N local WebSocket clients (default 1, 10, 100) on the same book stream,
// fed by the simulator over loopback. Three processes: simulator, server (hub + startServer), clients (this one).
//   steady: the simulator emits one BTC/USDT diff every --interval ms for --seconds; per N: delivered messages/s,
//           latency p50/p99/max from the upstream frame's arrival at the server (event.localTime) to the client's
//           receipt, server CPU % and RSS.
//   burst:  --burst diffs (for 100 clients a tenth, so 10 and 100 clients get as many deliveries) as fast as the
//           simulator writes them; per N: delivered messages/s until every client has every delta (20 s cap).
// Usage: npm run build && node bench/fanout.mjs [--clients 1,10,100] [--seconds 4] [--interval 2] [--burst 20000]
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { WebSocket } from 'ws';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,10,100' },
    seconds: { type: 'string', default: '4' },
    interval: { type: 'string', default: '2' },
    burst: { type: 'string', default: '20000' },
  },
});
const COUNTS = values.clients.split(',').map(Number);
const SECONDS = Number(values.seconds);
const BURST = Number(values.burst);
const STREAM = 'binance:BTC/USDT@book';
const here = new URL('.', import.meta.url).pathname;
const nowMicros = () => (performance.timeOrigin + performance.now()) * 1000;

function child(file, args) {
  const p = fork(here + file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters = [];
  p.on('message', (m) => {
    const i = waiters.findIndex((w) => w.key in m);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
  });
  return {
    p,
    ask: (msg, key) => new Promise((resolve) => (waiters.push({ key, resolve }), msg && p.send(msg))),
  };
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function runN(n, endpoint, sim) {
  const srv = child('fanout-server.mjs', [JSON.stringify(endpoint)]);
  const { port } = await srv.ask(undefined, 'port');
  const clients = [];
  let received = 0;
  let deltas = 0;
  let measuring = false;
  const lat = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    const c = { ws, snap: false, lastSeq: 0, holes: 0, deltas: 0 };
    let resolveSnap;
    c.snapped = new Promise((r) => (resolveSnap = r));
    ws.on('message', (data) => {
      const s = data.toString();
      const t = nowMicros();
      if (!c.snap && s.includes('"type":"book_snapshot"')) {
        c.snap = true;
        resolveSnap();
      }
      const seqAt = s.indexOf('"seq":');
      if (seqAt > 0) {
        const seq = parseInt(s.slice(seqAt + 6), 10);
        if (c.lastSeq && seq !== c.lastSeq + 1) c.holes++;
        c.lastSeq = seq;
      }
      received++;
      if (s.includes('"type":"book_delta"')) {
        deltas++;
        c.deltas++;
        if (measuring) {
          const lt = s.indexOf('"localTime":');
          lat.push(t - parseInt(s.slice(lt + 12), 10));
        }
      }
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ op: 'subscribe', id: 1, streams: [STREAM] }));
    clients.push(c);
  }
  await Promise.all(clients.map((c) => c.snapped));
  await new Promise((r) => setTimeout(r, 500)); // warm-up
  // steady
  await srv.ask({ reset: true }, 'reset');
  received = 0;
  deltas = 0;
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  measuring = false;
  const steadyMs = performance.now() - t0;
  const steadyDeltas = deltas;
  const { stats: steadyStats } = await srv.ask({ stats: true }, 'stats');
  lat.sort((a, b) => a - b);
  // burst
  sim.p.send({ pause: true });
  await new Promise((r) => setTimeout(r, 200));
  await srv.ask({ reset: true }, 'reset');
  for (const c of clients) c.deltas = 0;
  deltas = 0;
  const b0 = performance.now();
  // the same number of deliveries for 10 and 100 clients: 100 clients get a tenth of the diffs
  const diffs = Math.max(1000, Math.round(BURST / Math.max(1, n / 10)));
  const burstDone = sim.ask({ burst: diffs }, 'burst');
  let burstMs;
  for (;;) {
    await new Promise((r) => setTimeout(r, 5));
    if (clients.every((c) => c.deltas >= diffs)) {
      burstMs = performance.now() - b0;
      break;
    }
    if (performance.now() - b0 > 20_000) break;
  }
  await burstDone;
  const { stats: burstStats } = await srv.ask({ stats: true }, 'stats');
  sim.p.send({ resume: true });
  const holes = clients.reduce((s, c) => s + c.holes, 0);
  for (const c of clients) c.ws.terminate();
  srv.p.send({ close: true });
  await new Promise((r) => srv.p.once('exit', r));
  return {
    clients: n,
    steady: {
      deltasPerSecPerClient: Math.round(steadyDeltas / n / (steadyMs / 1000)),
      deliveredPerSec: Math.round(steadyDeltas / (steadyMs / 1000)),
      latencyUs: { p50: Math.round(percentile(lat, 0.5)), p99: Math.round(percentile(lat, 0.99)), max: Math.round(lat[lat.length - 1]) },
      serverCpuPercent: Math.round(steadyStats.cpuPercent),
      serverRssMB: Math.round(steadyStats.rssPeakMB),
    },
    burst: {
      diffs,
      completeMs: burstMs === undefined ? null : Math.round(burstMs),
      deliveredPerSec: Math.round(deltas / ((burstMs ?? performance.now() - b0) / 1000)),
      serverCpuPercent: Math.round(burstStats.cpuPercent),
      serverRssPeakMB: Math.round(burstStats.rssPeakMB),
      conflations: burstStats.conflations,
      dropped: burstStats.dropped,
    },
    seqHoles: holes,
  };
}

const sim = child('sim-process.mjs', [JSON.stringify({ symbols: ['BTC/USDT'], seed: 5, intervalMs: Number(values.interval), historySize: 1000 })]);
const { endpoint } = await sim.ask(undefined, 'endpoint');
const results = [];
for (const n of COUNTS) {
  const r = await runN(n, endpoint, sim);
  results.push(r);
  process.stderr.write(JSON.stringify(r) + '\n');
}
sim.p.send({ close: true });
console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${os.platform()}`);
console.log(`steady: one BTC/USDT diff per ${values.interval} ms for ${SECONDS} s; burst: up to ${BURST} diffs`);
console.log('| clients | steady msgs/s delivered | p50 µs | p99 µs | max µs | server CPU % | server RSS MB | burst diffs | burst msgs/s delivered | burst complete ms | burst CPU % | burst RSS peak MB | conflations | seq holes |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const s = r.steady;
  const b = r.burst;
  console.log(
    `| ${r.clients} | ${s.deliveredPerSec} | ${s.latencyUs.p50} | ${s.latencyUs.p99} | ${s.latencyUs.max} | ${s.serverCpuPercent} | ${s.serverRssMB} | ${b.diffs} | ${b.deliveredPerSec} | ${b.completeMs ?? 'timeout'} | ${b.serverCpuPercent} | ${b.serverRssPeakMB} | ${b.conflations} | ${r.seqHoles} |`,
  );
}
