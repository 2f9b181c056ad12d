#!/usr/bin/env node
/**
 * Latency under paced load: 20 symbols at the real 100 ms cadence (200 diffs/s) for `--paced-seconds` (default 60),
 * then the same plus a burst of `--burst` diffs every 2 s for `--burst-seconds` (default 10). The client
 * (bench/clients/latency-client.mjs), the NDJSON reader (`cat`) and the simulator (bench/sim-process.mjs) each run in
 * their own process; the simulator at niceness SIM_NICE (default 10), so that on a small box it stands in for a remote
 * exchange instead of taking a CPU from the client while the client processes what it sent (`--sim-nice 0`: all
 * three at the same priority).
 *
 * Why 60 s paced: the 20 frames of a 100 ms step mostly share one event-loop turn, so a pause in one turn (a GC,
 * the scheduler) delays ~20 samples, 1% of a 10 s run — a 10 s p99 is the second-worst of 100 turns. Recording
 * starts 1 s after the books are live, so the window still holds the start's transients (JIT warm-up; V8's memory
 * reducer, whose compacting GCs come ~8 s after the initial sync's major GC).
 *   node bench/latency.mjs [--paced-seconds 60] [--burst-seconds 10] [--seconds N (both)] [--burst 5000] [--sim-nice 10]
 *                          [--server-client process|same-process] [--server-clients 1] [--server-books 20] [--only ndjson|server]
 *                          [--server-reader-procs 1] [--reader-nice -10]
 * The local server's client runs in its own process (bench/clients/server-reader.mjs), where a real client is;
 * `--server-client same-process` puts it in the hub's process, as before the ninth pass. `--server-reader-procs P`
 * spreads the `--server-clients` connections over P such processes, each with every thread at `--reader-nice`
 * (default −10, where allowed: root), as the CLI bench's pipe reader, so that its own waits for a CPU behind the hub and
 * the simulator on a small box are not counted as the server's (`--reader-nice 0`: as any process). Besides the client's receipt, the server's side is
 * measured too: when the write of each message to a client's socket returned (the bytes in the kernel); and for both,
 * per event, its first and its last client (the fan-out's spread). `TW_DIST=DIR/dist` runs another build's hub and
 * server (A/B in the same time window).
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SYMBOLS_20, sleep } from './lib/sim-driver.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The child's next message with `t === t`, or (t undefined) with the key `key`. */
function once(child, t, ms, key) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${t ?? key}`)), ms);
    const on = (m) => {
      if (t === undefined ? key in m : m.t === t) {
        clearTimeout(timer);
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
  });
}

function pct(xs, p) {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Per event (samples sharing a `localTime`): its first client's latency, and its last one's. */
function firstLast(at, d) {
  const min = new Map();
  const max = new Map();
  for (let i = 0; i < at.length; i++) {
    const k = at[i];
    const v = d[i];
    const lo = min.get(k);
    if (lo === undefined || v < lo) min.set(k, v);
    const hi = max.get(k);
    if (hi === undefined || v > hi) max.set(k, v);
  }
  return { first: [...min.values()], last: [...max.values()] };
}

function row(label, xs) {
  const f = (v) => (v / 1000).toFixed(3);
  return `| ${label} | ${xs.length} | ${f(pct(xs, 50))} | ${f(pct(xs, 99))} | ${f(pct(xs, 99.9))} | ${f(pct(xs, 100))} |`;
}

export async function runLatency({ pacedSeconds = 60, burstSeconds = 10, burst = 5000, simNice = 10, serverClient = 'process', serverClients = 1, serverBooks = 20, readerProcs = 1, readerNice = -10, only } = {}) {
  const lines = [
    `\n### Latency (ms), 20 symbols at 100 ms cadence; tickwire embedded with one sink per run (NDJSON on stdout, a pipe; or the local server and its client); simulator at niceness ${simNice}\n`,
  ];
  lines.push('| load · path | samples | p50 | p99 | p99.9 | max |', '|---|---:|---:|---:|---:|---:|');
  const none = [{ a: [], b: [], p: [], c: [], at: [], s: [], sat: [] }, { a: [], b: [], p: [], c: [], at: [], s: [], sat: [] }];
  const ndjson = only === 'server' ? none : await runPaths(['ndjson'], pacedSeconds, burstSeconds, burst, simNice);
  const server = only === 'ndjson' ? none : await runPaths(['server'], pacedSeconds, burstSeconds, burst, simNice, { client: serverClient, clients: serverClients, books: serverBooks, readerProcs, readerNice });
  const loads = [`paced (${pacedSeconds} s)`, `paced + ${burst}-diff burst every 2 s (${burstSeconds} s)`];
  const niceText = server[0].readerNice === undefined ? '' : ` at nice ${server[0].readerNice}`;
  const where = serverClient === 'same-process' ? "in the hub's process" : `${readerProcs > 1 ? `${readerProcs} processes` : 'own process'}${niceText}, ${serverClients} connection(s) × ${serverBooks} book(s)`;
  for (const [k, load] of loads.entries()) {
    if (only !== 'server') {
      lines.push(
        row(`${load} · frame → subscriber`, ndjson[k].a),
        row(`${load} · frame → NDJSON line in the pipe (readable by the reader; ${ndjson[k].output ?? 'stdout'})`, ndjson[k].p),
        ...(ndjson[k].output === 'fd-writer' ? [] : [row(`${load} · frame → NDJSON write callback (stdout pipe)`, ndjson[k].b)]),
      );
    }
    if (only === 'ndjson') continue;
    lines.push(row(`${load} · frame → local-server client (${where})`, server[k].c));
    if (serverClient === 'same-process') continue;
    const c = firstLast(server[k].at, server[k].c);
    const s = firstLast(server[k].sat, server[k].s);
    if (serverClients > 1) lines.push(row(`${load} · … first client of each event`, c.first), row(`${load} · … last client of each event`, c.last));
    lines.push(row(`${load} · frame → server's write to a client returned (bytes in the kernel)`, server[k].s));
    if (serverClients > 1) lines.push(row(`${load} · … first client of each event`, s.first), row(`${load} · … last client of each event`, s.last));
  }
  // what the OS did meanwhile: a stall of the client process delays every frame it was processing
  const f = (v) => v.toFixed(1);
  const os = [];
  for (const [name, runs] of [['NDJSON', ndjson], ['local-server', server]]) {
    for (const [k, load] of loads.entries()) {
      const o = runs[k].os;
      if (o) {
        os.push(
          `- ${name} run, ${load}: client CPU ${f(o.cpuMs)} ms, waited runnable for a CPU ${f(o.waitMs)} ms (${o.slices} timeslices), host steal ${f(o.stealMs)} ms (both CPUs); GC ${gcText(o.gc)}`,
        );
      }
    }
  }
  if (os.length > 0) lines.push('', 'Meanwhile (Linux `/proc`):', ...os);
  return lines.join('\n');
}

/** `{ kind: [count, total ms, longest ms] }` → "3 minor (1.2 ms, longest 0.6), …". */
function gcText(gc) {
  const parts = Object.entries(gc ?? {}).map(([k, [n, total, max]]) => `${n} ${k} (${total.toFixed(2)} ms, longest ${max.toFixed(2)})`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** One client process with the given sinks: samples of the paced phase, then of the paced + bursts phase. */
/**
 * `server`: where the local server's clients run (`client`: 'process' | 'same-process'), how many connections
 * (`clients`) of how many books each (`books`), over how many processes (`readerProcs`), at what niceness (`readerNice`).
 */
async function runPaths(paths, pacedSeconds, burstSeconds, burst, simNice, server = {}) {
  const { client: serverClient = 'process', clients: serverClients = 1, books: serverBooks = 20, readerProcs = 1, readerNice = -10 } = server;
  const sim = fork(join(here, 'sim-process.mjs'), [JSON.stringify({ symbols: SYMBOLS_20, seed: 7, intervalMs: 100, nice: simNice })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { endpoint: ep } = await once(sim, undefined, 60_000, 'endpoint');
  // the NDJSON reader: its own process, `cat` on a FIFO — a real pipe (64 KiB), what `tickwire stream | …` gets
  // (spawn's 'pipe' is a socket pair)
  const dir = mkdtempSync(join(tmpdir(), 'tw-lat-'));
  const fifo = join(dir, 'stdout');
  execFileSync('mkfifo', [fifo]);
  const reader = spawn('sh', ['-c', 'exec cat < "$0" > /dev/null', fifo], { stdio: ['ignore', 'ignore', 'inherit'] });
  const wfd = openSync(fifo, 'w'); // returns once cat has opened its end
  const child = fork(join(here, 'clients', 'latency-client.mjs'), [], { stdio: ['ignore', wfd, 'inherit', 'ipc'] });
  closeSync(wfd);
  rmSync(dir, { recursive: true, force: true });
  let output = 'process.stdout';
  child.on('message', (m) => {
    if (m.t === 'output') output = m.kind;
  });
  // the local server's clients: in their own process(es) unless --server-client same-process
  const wsReaders = [];
  let readerNiceInForce;
  const ready = once(child, 'ready', 120_000);
  if (paths.includes('server') && serverClient !== 'same-process') {
    const { url, offset } = await new Promise((resolve) => {
      child.send({ t: 'start', ws: ep.ws, rest: ep.rest, symbols: SYMBOLS_20, paths, serverClient });
      once(child, 'server', 60_000).then(resolve);
    });
    const procs = Math.max(1, Math.min(readerProcs, serverClients));
    for (let r = 0; r < procs; r++) {
      const wsReader = fork(join(here, 'clients', 'server-reader.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      wsReaders.push(wsReader);
      const subscribed = once(wsReader, 'subscribed', 60_000);
      const clients = Math.floor(serverClients / procs) + (r < serverClients % procs ? 1 : 0);
      wsReader.send({ t: 'start', url, offset, symbols: SYMBOLS_20, clients, books: serverBooks, nice: readerNice });
      readerNiceInForce = (await subscribed).nice;
    }
  } else {
    child.send({ t: 'start', ws: ep.ws, rest: ep.rest, symbols: SYMBOLS_20, paths, serverClient });
  }
  const record = async () => {
    child.send({ t: 'record' });
    await once(child, 'recording', 5000);
    for (const wsReader of wsReaders) {
      wsReader.send({ t: 'record' });
      await once(wsReader, 'recording', 5000);
    }
  };
  const collect = async () => {
    child.send({ t: 'collect' });
    const r = await once(child, 'samples', 30_000);
    if (wsReaders.length > 0) {
      r.c = [];
      r.at = [];
      for (const wsReader of wsReaders) {
        wsReader.send({ t: 'collect' });
        const got = await once(wsReader, 'samples', 30_000);
        r.c = r.c.concat(got.c);
        r.at = r.at.concat(got.at);
      }
    }
    return r;
  };
  const out = [];
  try {
    await ready;
    await sleep(1000);
    // paced only
    await record();
    await sleep(pacedSeconds * 1000);
    out.push(await collect());
    // paced + bursts
    await record();
    const end = Date.now() + burstSeconds * 1000;
    while (Date.now() < end) {
      await sleep(2000);
      sim.send({ burst });
      await once(sim, undefined, 60_000, 'burst');
    }
    // a client in its own process may still be reading the last burst: give it the time the tail takes
    await sleep(wsReaders.length > 0 ? 3000 : 500);
    out.push(await collect());
  } finally {
    // asked to exit first (a `node --cpu-prof` child writes its profile on exit), killed if it does not
    for (const p of [...wsReaders, child]) {
      p.send({ t: 'stop' });
      setTimeout(() => p.kill('SIGKILL'), 5000).unref();
    }
    reader.kill();
    sim.send({ close: true });
    setTimeout(() => sim.kill('SIGKILL'), 5000).unref();
  }
  for (const o of out) {
    o.output = output;
    if (readerNiceInForce !== undefined) o.readerNice = readerNiceInForce;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      'paced-seconds': { type: 'string' },
      'burst-seconds': { type: 'string' },
      seconds: { type: 'string' },
      burst: { type: 'string', default: '5000' },
      'sim-nice': { type: 'string', default: '10' },
      'server-client': { type: 'string', default: 'process' }, // or same-process (before the ninth pass)
      'server-clients': { type: 'string', default: '1' }, // connections of the server-client process
      'server-books': { type: 'string', default: '20' }, // books each of them subscribes to (the first N symbols)
      'server-reader-procs': { type: 'string', default: '1' }, // processes the connections are spread over
      'reader-nice': { type: 'string', default: '-10' }, // niceness of the server-reader processes (where allowed)
      only: { type: 'string' }, // ndjson | server
    },
  });
  const pacedSeconds = Number(values['paced-seconds'] ?? values.seconds ?? 60);
  const burstSeconds = Number(values['burst-seconds'] ?? values.seconds ?? 10);
  runLatency({
    pacedSeconds,
    burstSeconds,
    burst: Number(values.burst),
    simNice: Number(values['sim-nice']),
    serverClient: values['server-client'],
    serverClients: Number(values['server-clients']),
    serverBooks: Number(values['server-books']),
    readerProcs: Number(values['server-reader-procs']),
    readerNice: Number(values['reader-nice']),
    only: values.only,
  }).then((t) => console.log(t), (e) => {
    console.error(e);
    process.exit(1);
  });
}
