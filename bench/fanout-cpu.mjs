#!/usr/bin/env node
/**
 * The local server's fan-out alone, CPU-clocked, for A/B of builds in one run (a loaded box: CPU time, not wall):
 * `startServer` over a stand-in hub (events pushed by this bench, no exchange), N WebSocket clients on one book in
 * a child process that only receives, and per event the CPU time (`process.cpuUsage`) of this process from the
 * event's emission until its writes are done (the turn's end: every client's write system call included).
 *   node bench/fanout-cpu.mjs [--clients 100] [--events 2000] [--rounds 4] DIST [DIST…]   (DIST: a build's dist/)
 * Rounds alternate the builds (A, B, …, then …, B, A); the figure is the median over rounds of each round's mean
 * (user + system; user alone: the JavaScript side, system: mostly the write system calls' loopback TCP).
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { Subject, asyncScheduler } from 'rxjs';
import { rootRequire } from './lib/root-require.mjs';

const WebSocket = rootRequire('ws');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { clients: { type: 'string', default: '100' }, events: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '4' }, reader: { type: 'string' } },
});
const N = Number(values.clients);

if (values.reader) {
  // the clients: subscribe, then only count what arrives
  let got = 0;
  let open = 0;
  for (let i = 0; i < N; i++) {
    const ws = new WebSocket(values.reader);
    ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', id: 1, streams: ['binance:BTC/USDT@book'] })));
    ws.on('message', (d) => {
      if (String(d).includes('"type":"ack"') && ++open === N) process.send({ subscribed: true });
      got++;
    });
  }
  process.on('message', (m) => m.count && process.send({ count: got }));
} else {
  const base = { exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', integrity: 'chained', seq: 1, epoch: 'x' };
  const levels = (side, i) => Array.from({ length: 10 }, (_, k) => [`${side === 'b' ? 67000 - k : 67001 + k}.${String((i * 7 + k) % 100).padStart(2, '0')}`, `0.${(i + k) % 1000}`]);
  const servers = [];
  for (const dir of positionals) {
    const { startServer } = await import(resolve(dir, 'sinks/server/index.js'));
    const events = new Subject();
    let t = Math.round(performance.timeOrigin * 1000);
    const hub = {
      events$: events.asObservable(),
      scheduler: asyncScheduler,
      epoch: 'bench',
      clock: { nowMicros: () => Math.round((performance.timeOrigin + performance.now()) * 1000) },
      resolve: async (_e, symbol) => ({ ok: true, instrument: { symbol } }),
      add: async () => true,
      remove: () => undefined,
      book: () => undefined,
    };
    const server = await startServer({ hub, port: 0, limits: { maxClients: N + 10 } });
    const reader = fork(new URL(import.meta.url).pathname, ['--reader', server.url, '--clients', String(N)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise((r) => reader.once('message', r));
    let id = 0;
    const emit = (type) => {
      id++;
      t += 50;
      events.next({ ...base, type, localTime: t, updateId: id, ...(type === 'book_delta' ? { firstUpdateId: id } : {}), bids: levels('b', id), asks: levels('a', id) });
    };
    emit('book_snapshot'); // the clients' books were not live: their first book message is this snapshot
    servers.push({ dir, server, reader, emit });
  }
  const turn = () => new Promise((r) => setImmediate(r));
  const res = new Map(positionals.map((d) => [d, []]));
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const s of round % 2 ? [...servers].reverse() : servers) {
      for (let i = 0; i < 200; i++) {
        s.emit('book_delta'); // warm-up
        await turn();
      }
      let cpu = 0;
      let user = 0;
      const n = Number(values.events);
      for (let i = 0; i < n; i++) {
        const c0 = process.cpuUsage();
        s.emit('book_delta');
        await turn(); // the batches closed at the turn's end: every client's write done
        const c = process.cpuUsage(c0);
        cpu += c.user + c.system;
        user += c.user;
        await new Promise((r) => setTimeout(r, 1)); // let the reader drain
      }
      res.get(s.dir).push([cpu / n, user / n]);
    }
  }
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`| build (dist) | clients | CPU µs per event (median of ${values.rounds} rounds) | of which user | per client | rounds (CPU µs per event) |`);
  console.log('|---|---:|---:|---:|---:|---|');
  for (const [dir, xs] of res) {
    const all = med(xs.map((x) => x[0]));
    console.log(`| ${dir} | ${N} | ${all.toFixed(0)} | ${med(xs.map((x) => x[1])).toFixed(0)} | ${(all / N).toFixed(2)} | ${xs.map((x) => x[0].toFixed(0)).join(', ')} |`);
  }
  // every client got every message (acks, the snapshot, every delta): the fan-out measured is a complete one
  const want = N * (2 + Number(values.rounds) * (200 + Number(values.events)));
  for (const s of servers) {
    let got = 0;
    for (let tries = 0; tries < 100 && got !== want; tries++) {
      s.reader.send({ count: true });
      got = await new Promise((r) => s.reader.once('message', (m) => r(m.count)));
      if (got !== want) await new Promise((r) => setTimeout(r, 100));
    }
    if (got !== want) console.log(`${s.dir}: the clients got ${got} messages of ${want}`);
  }
  for (const s of servers) {
    s.reader.kill();
    await s.server.close();
  }
  process.exit(0);
}
