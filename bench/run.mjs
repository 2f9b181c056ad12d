#!/usr/bin/env node
/**
 * `npm run bench`: throughput of each client (own process) on identical simulator frames over loopback, rounds
 * alternating the client order, paired ratios to the ws+JSON.parse floor; then the latency bench.
 *
 *   node bench/run.mjs [--rounds 3] [--clients floor,counter,tickwire,cli,ccxt,tardis,ccxws] [--configs 1x200k,20x20k]
 *                      [--scale 1] [--no-latency] [--json out.json]
 *
 * `tickwire@DIR` / `cli@DIR` in --clients: that client on another checkout's build (DIR/dist), in the same rounds
 * as the others — an A/B of two builds, e.g. `--clients floor,cli,cli@/tmp/old`.
 */
import { fork, execFileSync } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SYMBOLS_20, native, sameLevels, sleep, startBenchSim, subscribedTopics, truth, waitFor } from './lib/sim-driver.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    clients: { type: 'string', default: 'floor,counter,tickwire,cli,ccxt,tardis,ccxws' },
    configs: { type: 'string', default: '1x200k,20x20k' },
    scale: { type: 'string', default: '1' },
    'no-latency': { type: 'boolean', default: false },
    json: { type: 'string', default: join(here, 'results', 'latest.json') },
    verbose: { type: 'boolean', default: false },
    prof: { type: 'string' }, // directory: run the clients under node --cpu-prof
  },
});

const PEERS = new Set(['ccxt', 'tardis', 'ccxws']);
const CLIENTS = {
  floor: { file: 'floor.mjs', label: 'floor: ws + JSON.parse' },
  counter: { file: 'counter.mjs', label: 'counting only (ws)' },
  capture: { file: 'capture.mjs', label: 'capture only (CAPTURE_FILE, for bench/inprocess.mjs)' },
  tickwire: { file: 'tickwire-embedded.mjs', label: 'tickwire embedded (books)' },
  books: { file: 'tickwire-books.mjs', label: 'tickwire stream().books() (README path)' },
  'books-op': { file: 'tickwire-books-operator.mjs', label: 'tickwire stream().pipe(books()) (second copy)' },
  cli: { file: 'tickwire-cli.mjs', label: 'tickwire CLI → NDJSON pipe' },
  ccxt: { file: 'ccxt.mjs', label: 'ccxt pro' },
  tardis: { file: 'tardis.mjs', label: 'tardis-dev' },
  ccxws: { file: 'ccxws.mjs', label: 'ccxws (+ plain book)' },
};
/** A --clients entry: a CLIENTS name, or `tickwire@DIR` / `cli@DIR` (that client on DIR/dist). */
function clientSpec(entry) {
  const [name, dir] = entry.split('@');
  const base = CLIENTS[name];
  if (!base) throw new Error(`unknown client ${name}`);
  if (dir === undefined) return { ...base, env: {} };
  const dist = resolve(dir, 'dist');
  if (name === 'tickwire' || name === 'books' || name === 'books-op') return { ...base, label: `${base.label} [${dir}]`, env: { TW_DIST: dist } };
  if (name === 'cli') return { ...base, label: `${base.label} [${dir}]`, env: { TW_CLI: join(dist, 'cli.js') } };
  throw new Error(`only tickwire and cli take @DIR (got ${entry})`);
}
const scale = Number(opt.scale);
const CONFIGS = {
  '1x200k': { symbols: SYMBOLS_20.slice(0, 1), diffs: Math.round(200_000 * scale) },
  '20x20k': { symbols: SYMBOLS_20, diffs: Math.round(20 * 20_000 * scale) },
};
const WARMUP_BURSTS = 40;
/** Diffs per slice of the measured burst's generation (a multiple of 20: each slice starts at the first symbol). */
const BURST_SLICE = 20_000;
const log = (...a) => console.error(...a);

function ensurePeers(names) {
  if (!names.some((n) => PEERS.has(n))) return;
  if (existsSync(join(here, 'node_modules', 'ccxt')) && existsSync(join(here, 'node_modules', 'tardis-dev'))) return;
  log('installing the peers into bench/node_modules (npm ci --prefix bench) …');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', here], { stdio: 'inherit' });
}

function onceMessage(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for '${type}'`));
    }, timeoutMs);
    const onMsg = (m) => {
      if (m.t === 'error') {
        cleanup();
        reject(new Error(m.message));
      } else if (m.t === type) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`client exited (${code}) while waiting for '${type}'`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMsg);
      child.off('exit', onExit);
    };
    child.on('message', onMsg);
    child.on('exit', onExit);
  });
}

async function runOne(clientName, configName) {
  const cfg = CONFIGS[configName];
  const sim = await startBenchSim(cfg.symbols);
  sim.pause();
  const ep = sim.endpoints.binance;
  const spec = clientSpec(clientName);
  const child = fork(join(here, 'clients', spec.file), [], {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', opt.verbose ? 'inherit' : 'ignore', 'inherit', 'ipc'],
    execArgv: [...(opt.prof ? ['--cpu-prof', `--cpu-prof-dir=${opt.prof}`] : []), ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean) : [])],
  });
  const natives = cfg.symbols.map(native);
  const readyP = onceMessage(child, 'ready', 60_000);
  readyP.catch(() => undefined);
  try {
    child.send({ t: 'start', ws: ep.ws, rest: ep.rest, symbols: cfg.symbols, natives });
    const topics = natives.map((n) => `${n.toLowerCase()}@depth@100ms`);
    await waitFor(() => {
      const have = subscribedTopics(sim);
      return topics.every((t) => have.has(t) || have.has(t.replace('@100ms', '')));
    }, 60_000, 'subscriptions');
    // warm-up: a fixed number of small bursts so that every client sees the same frames before the measured burst
    let warm = 0;
    let ready = false;
    readyP.then(() => (ready = true), () => undefined);
    for (; warm < WARMUP_BURSTS || (!ready && warm < 1000); warm++) {
      await sim.burst('binance', { diffs: cfg.symbols.length });
      await sleep(25);
    }
    await readyP;
    await sleep(200);
    const simCpu0 = process.cpuUsage();
    const t0 = Number(process.hrtime.bigint()) / 1e3;
    // The burst is generated and pre-framed before any of it is written, in slices with a turn of the event loop
    // between them: the simulator runs in this process, and one synchronous 400k-diff generation (seconds on a quiet
    // machine, ~54 s at load 8) left the client's keepalive pings unanswered — tickwire reconnected ("no pong within
    // 10000 ms"), and no delta came after its resync snapshot (the simulator is paused) — a 110 s timeout. Slices are
    // a multiple of the symbol count, so the frames are the same as one burst's. Before `go`: a frame the simulator
    // sends meanwhile (a pong, its ping) would otherwise start the client's clock.
    const prepared = [];
    for (let left = cfg.diffs; left > 0; left -= BURST_SLICE) {
      prepared.push(sim.prepareBurst('binance', { diffs: Math.min(BURST_SLICE, left), symbols: cfg.symbols }));
      await new Promise((r) => setImmediate(r));
    }
    child.send({ t: 'go', frames: cfg.diffs });
    await onceMessage(child, 'armed', 10_000);
    const simT0 = Date.now();
    const resultP = onceMessage(child, 'result', 30_000 + cfg.diffs / 5);
    const burstP = (async () => {
      let frames = 0;
      let bytes = 0;
      for (const p of prepared) {
        const b = await p.send();
        frames += b.frames;
        bytes += b.bytes;
      }
      return { frames, bytes };
    })();
    let burstDone;
    burstP.then((b) => (burstDone = { atMs: Date.now() - simT0, ...b }), (e) => (burstDone = { error: String(e) }));
    // the whole burst is generated: the truth is known now, while it is being written
    const want = truth(sim, cfg.symbols);
    const targets = Object.fromEntries(natives.map((n) => [n, want[n].updateId]));
    child.send({ t: 'targets', targets });
    // a connection closed during the measured burst loses its frames and, the simulator being paused, no delta would
    // follow a resync: the result can never come — fail now, naming the close, instead of at the timeout
    let watch;
    const closedP = new Promise((_, reject) => {
      watch = setInterval(() => {
        const c = sim.entries('binance').find((e) => e.kind === 'ws-close' && e.time >= simT0);
        if (c) reject(new Error(`a client connection closed during the burst (simulator: conn ${c.connection} ${c.data})`));
      }, 250);
    });
    let res, burst;
    try {
      [res, burst] = await Promise.race([Promise.all([resultP, burstP]), closedP]);
    } catch (err) {
      log(await whereEachSideStood(child, sim, ep, simT0, burstDone));
      throw err;
    } finally {
      clearInterval(watch);
      resultP.catch(() => undefined);
    }
    const simCpu = process.cpuUsage(simCpu0);
    const wallUs = res.tLast - res.tFirst;
    const cpuUs = res.extra?.cpuUs ?? res.cpuUser + res.cpuSystem;
    const maxRssKb = res.extra?.maxRssKb ?? res.maxRssKb;
    let correct = true;
    const why = [];
    if (Object.keys(res.books).length > 0) {
      for (const n of natives) {
        const b = res.books[n];
        if (!b || !sameLevels(b.bids, want[n].bids) || !sameLevels(b.asks, want[n].asks)) {
          correct = false;
          why.push(`${n}: top 10 differs`);
          if (opt.verbose) log(n, JSON.stringify(b?.bids?.slice(0, 2)), JSON.stringify(want[n].bids.slice(0, 2)));
        }
      }
    }
    if (res.extra?.unsound > 0) {
      // a gap, resync or fresh snapshot while measuring: the run did not show a clean continuation (e.g. the CLI
      // dropped events because its reader lagged) — whatever the final books, it is not counted
      correct = false;
      why.push(`${res.extra.unsound} gap/resync status(es) or recovery snapshot(s) while measuring`);
    }
    if (Object.keys(res.books).length === 0 && res.frames < cfg.diffs) {
      correct = false;
      why.push(`counted ${res.frames} of ${cfg.diffs} frames`);
    }
    return {
      client: clientName,
      config: configName,
      diffs: cfg.diffs,
      frames: burst.frames,
      bytes: burst.bytes,
      warmupBursts: warm,
      wallMs: wallUs / 1000,
      msgsPerSec: cfg.diffs / (wallUs / 1e6),
      cpuUsPerMsg: cpuUs / cfg.diffs,
      cpuShare: cpuUs / wallUs,
      maxRssMb: maxRssKb / 1024,
      simCpuUsPerMsg: (simCpu.user + simCpu.system) / cfg.diffs,
      simCpuShare: (simCpu.user + simCpu.system) / (Number(process.hrtime.bigint()) / 1e3 - t0),
      correct,
      extra: res.extra,
      why,
    };
  } finally {
    if (child.connected) child.send({ t: 'stop' });
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(3000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await sim.close();
  }
}

/**
 * After a timeout waiting for 'result' (or a connection closed during the burst): the simulator's side (burst written or not, its sockets to the client, what
 * its log saw since the burst began: reconnects, REST snapshots, pings) and the client's (its counters and books).
 */
async function whereEachSideStood(child, sim, ep, simT0, burstDone) {
  const lines = ['--- timeout: where each side stood ---'];
  lines.push(`sim burst: ${burstDone ? JSON.stringify(burstDone) : 'still writing (waiting for drain or for the last write)'}`);
  const port = Number(new URL(ep.ws).port);
  for (const h of process._getActiveHandles()) {
    if (h?.constructor?.name !== 'Socket' || h.localPort !== port) continue;
    lines.push(`sim socket → client :${h.remotePort}: bytesWritten ${h.bytesWritten} writableLength ${h.writableLength} destroyed ${h.destroyed}`);
  }
  const since = sim.entries('binance').filter((e) => e.time >= simT0);
  const counts = {};
  for (const e of since) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
  lines.push(`sim log since the burst: ${JSON.stringify(counts)}`);
  for (const e of since.slice(0, 40)) lines.push(`  +${e.time - simT0} ms ${e.kind} conn ${e.connection ?? '-'} ${String(e.data ?? '').slice(0, 100)}${e.status ? ` → ${e.status}` : ''}`);
  if (child.connected) {
    child.send({ t: 'dump' });
    try {
      const d = await onceMessage(child, 'dump', 5_000);
      lines.push(`client: ${JSON.stringify({ ...d, state: undefined })}`);
      const books = d.state?.books ?? {};
      const stuck = Object.entries(books).filter(([, b]) => !b.trusted || (b.behind ?? 0) > 0);
      lines.push(`client books short of the target or untrusted (${stuck.length} of ${Object.keys(books).length}): ${JSON.stringify(Object.fromEntries(stuck))}`);
      lines.push(`client unsound ${d.state?.unsound} reads ${d.state?.reads}`);
    } catch (err) {
      lines.push(`client: no dump (${err.message})`);
    }
  }
  return lines.join('\n');
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main() {
  const clients = opt.clients.split(',').filter(Boolean);
  for (const c of clients) clientSpec(c); // throws on an unknown one
  const configs = opt.configs.split(',').filter(Boolean);
  ensurePeers(clients);
  const rounds = Number(opt.rounds);
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    for (const configName of configs) {
      const order = r % 2 === 0 ? clients : [...clients].reverse(); // A/B/…, then …/B/A
      for (const c of order) {
        try {
          const res = await runOne(c, configName);
          res.round = r;
          runs.push(res);
          log(
            `round ${r + 1} ${configName} ${c.padEnd(9)} ${Math.round(res.msgsPerSec).toString().padStart(7)} msg/s` +
              `  ${res.cpuUsPerMsg.toFixed(2)} µs/msg cpu  ${res.maxRssMb.toFixed(0)} MB  cpu share ${(res.cpuShare * 100).toFixed(0)}%` +
              `  sim ${(res.simCpuShare * 100).toFixed(0)}%${res.correct ? "" : `  INCORRECT: ${res.why.join("; ")}`}${opt.verbose ? " " + JSON.stringify(res.extra) : ""}`,
          );
        } catch (err) {
          log(`round ${r + 1} ${configName} ${c}: FAILED ${err.message}`);
          runs.push({ client: c, config: configName, round: r, failed: String(err.message) });
        }
      }
    }
  }
  const table = summarize(runs, clients, configs);
  console.log(table);
  mkdirSync(dirname(opt.json), { recursive: true });
  writeFileSync(opt.json, JSON.stringify({ machine: machine(), runs }, null, 2));
  if (!opt['no-latency']) {
    const { runLatency } = await import('./latency.mjs');
    console.log(await runLatency());
  }
}

export function summarize(runs, clients, configs) {
  const lines = [];
  for (const configName of configs) {
    const cfg = CONFIGS[configName];
    lines.push(`\n### ${cfg.symbols.length} symbol(s) × ${configName === '1x200k' ? '200k diffs' : '20k diffs each'} (${cfg.diffs} frames)\n`);
    lines.push('| client | msg/s (median) | × floor (paired, median) | CPU µs/msg | CPU share | peak RSS MB | correct runs |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const c of clients) {
      const mine = runs.filter((x) => x.client === c && x.config === configName);
      const ok = mine.filter((x) => !x.failed && x.correct);
      const ratios = ok
        .map((x) => {
          const f = runs.find((y) => y.client === 'floor' && y.config === configName && y.round === x.round && y.correct);
          return f ? x.msgsPerSec / f.msgsPerSec : undefined;
        })
        .filter((v) => v !== undefined);
      const fmt = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '–');
      lines.push(
        `| ${clientSpec(c).label} | ${fmt(median(ok.map((x) => x.msgsPerSec)))} | ${fmt(median(ratios), 2)} | ${fmt(median(ok.map((x) => x.cpuUsPerMsg)), 2)} | ${fmt(100 * median(ok.map((x) => x.cpuShare)))}% | ${fmt(median(ok.map((x) => x.maxRssMb)))} | ${ok.length}/${mine.length} |`,
      );
    }
    const sims = runs.filter((x) => x.config === configName && x.client === 'counter' && x.correct);
    if (sims.length) lines.push(`\nsimulator CPU share during the counting-only runs: ${(100 * median(sims.map((x) => x.simCpuShare))).toFixed(0)}%`);
  }
  return lines.join('\n');
}

function machine() {
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model;
  return { nproc: cpus().length, cpu: model, node: process.version, platform: process.platform };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
