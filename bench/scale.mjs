#!/usr/bin/env node
/**
 * A whole exchange in one process: N Binance spot books from the simulator (its own process, niced like a remote
 * exchange) at the real 100 ms diff cadence, 1000-level books, Binance's real REST weight limit (6000/min, depth
 * snapshot limit=1000 → weight 50) and per-connection stream limits. tickwire (this process, `stream()` from dist/)
 * maintains every book. Reports: time until every book is live next to the REST-weight lower bound, CPU share of
 * one core and RSS (per book) once all are live, and checks every book's top 10 against the simulator's truth.
 *
 *   node bench/scale.mjs [--symbols 100,500,1000] [--steady-seconds 20] [--sim-nice 10] [--first-snapshot-depth N]
 *                        [--max-minutes 15] [--json out.json] [--sim-prof DIR] [--rest-weight-share F]
 * `TW_DIST=DIR/dist` measures another build's tickwire (the simulator stays this one's); `BENCH_NODE_FLAGS` adds node
 * flags to the measured process (e.g. `--trace-gc`).
 *
 * Starvation (a shared box): the simulator's CPU share, the share of wall time it waited runnable for a CPU
 * (/proc/self/schedstat), its event loop's p99 delay (a 100 ms step due but not run), tickwire's own wait, the 1-min
 * load average, and the book deltas received per second in the steady phase against the 10 × symbols a simulator
 * that keeps up sends. A row whose simulator loop delay p99 is over ~100 ms, or whose deltas/s is well under 100%, did
 * not measure the REST bound but the CPU it got. `--sim-prof DIR` runs the simulator under `node --cpu-prof`.
 *
 * The REST-weight lower bound: the snapshots' total weight W (symbols × weight per snapshot, + exchangeInfo 20)
 * against the exchange's limit L per sliding minute: the first L can go at once, each further L a minute later, so
 * every book cannot be live before (ceil(W / L) − 1) × 60 s. tickwire budgets `restWeightShare` of L (default 0.8);
 * the bound at that budget is reported too.
 */
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    symbols: { type: 'string', default: '100,500,1000' },
    'steady-seconds': { type: 'string', default: '20' },
    'sim-nice': { type: 'string', default: '10' },
    'first-snapshot-depth': { type: 'string' },
    'rest-weight-share': { type: 'string' },
    'max-minutes': { type: 'string', default: '15' },
    'sim-prof': { type: 'string' }, // directory: run the simulator under node --cpu-prof
    json: { type: 'string', default: join(here, 'results', 'scale.json') },
    child: { type: 'string' }, // internal: run one size in this process
  },
});
const log = (...a) => console.error(...a);
const SNAPSHOT_WEIGHT = 50; // spot /api/v3/depth limit 501–1000
const SHALLOW_WEIGHT = (d) => (d <= 100 ? 5 : d <= 500 ? 25 : d <= 1000 ? 50 : 250);
const LIMIT = 6000;
const INFO_WEIGHT = 20;

/** `n` distinct unified symbols the simulator serves with its generic spec. */
function symbolsFor(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let k = i + 26 * 26; k > 0; k = Math.floor(k / 26)) s = String.fromCharCode(65 + (k % 26)) + s;
    out.push(`Q${s}/USDT`);
  }
  return out;
}

function bound(n, weight, limit) {
  const w = n * weight + INFO_WEIGHT;
  return (Math.ceil(w / limit) - 1) * 60;
}

const schedWaitNs = () => {
  try {
    return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return NaN;
  }
};
const load = () => loadavg().map((x) => Math.round(x * 10) / 10);
const vm = (key) => Number(readFileSync('/proc/self/status', 'utf8').match(new RegExp(`${key}:\\s+(\\d+)`))[1]) / 1024;

async function runOne(n) {
  const symbols = symbolsFor(n);
  const sim = fork(join(here, 'sim-process.mjs'), [
    JSON.stringify({ symbols, seed: 7, nice: Number(opt['sim-nice']), levels: 1000, intervalMs: 100, tradeIntervalMs: 3_600_000, tickerIntervalMs: 3_600_000, logLimit: 1000 }),
  ], opt['sim-prof'] ? { execArgv: ['--cpu-prof', `--cpu-prof-dir=${opt['sim-prof']}`] } : {});
  const ask = (msg, key) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m[key] !== undefined) {
          sim.off('message', on);
          resolve(m[key]);
        }
      };
      sim.on('message', on);
      if (msg) sim.send(msg);
    });
  const endpoint = await ask(undefined, 'endpoint');
  const simStats = () => ask({ stats: true }, 'stats');
  const load0 = load();
  const { stream } = await import(join(process.env.TW_DIST ?? join(here, '..', 'dist'), 'index.js'));
  global.gc?.();
  const rss0 = vm('VmRSS');
  const firstDepth = opt['first-snapshot-depth'] ? Number(opt['first-snapshot-depth']) : undefined;
  const share = opt['rest-weight-share'] ? Number(opt['rest-weight-share']) : undefined;
  let hub;
  const t0 = performance.now();
  const liveAt = new Map();
  const resyncs = { n: 0 };
  const deepened = { n: 0, spliced: 0 }; // books deepened (--first-snapshot-depth), and how many by a spliced snapshot
  const deltas = { n: 0 }; // book_delta events: at 100 ms per book a simulator that keeps up sends 10 × n per second
  const timeline = [];
  let allLive;
  const allLiveP = new Promise((r) => (allLive = r));
  const sub = stream({
    markets: symbols.map((s) => `binance:${s}`),
    channels: ['book'],
    endpoints: { binance: endpoint },
    ...(firstDepth ? { firstSnapshotDepth: firstDepth } : {}),
    ...(share ? { restWeightShare: share } : {}),
    onHub: (h) => (hub = h),
  }).subscribe((e) => {
    if (e.type === 'book_delta') deltas.n++;
    if (e.type !== 'status' || e.scope !== 'stream' || e.symbol === undefined) return;
    if (e.state === 'resyncing') resyncs.n++;
    if (e.state === 'reconciled' && e.details?.deepened === true) {
      deepened.n++;
      if (e.details.splicedDeltas !== undefined) deepened.spliced++;
    }
    if (e.state === 'live' && !liveAt.has(e.symbol)) {
      liveAt.set(e.symbol, performance.now() - t0);
      if (liveAt.size === n) allLive();
    }
  });
  const cpuAll0 = process.cpuUsage();
  const wait0 = schedWaitNs();
  const sim0 = await simStats();
  const tick = setInterval(() => {
    // VmHWM: the peak so far, so that the timeline shows when the peak RSS was reached
    timeline.push({ s: Math.round((performance.now() - t0) / 1000), live: liveAt.size, rssMb: Math.round(vm('VmRSS')), peakMb: Math.round(vm('VmHWM')) });
    log(`  ${n} symbols: ${liveAt.size} live after ${Math.round((performance.now() - t0) / 1000)} s, RSS ${Math.round(vm('VmRSS'))} MB (peak ${Math.round(vm('VmHWM'))})`);
  }, 10_000);
  const timedOut = await Promise.race([
    allLiveP.then(() => false),
    new Promise((r) => setTimeout(() => r(true), Number(opt['max-minutes']) * 60_000)),
  ]);
  const tAll = (performance.now() - t0) / 1000;
  const cpuSync = process.cpuUsage(cpuAll0);
  const waitSync = schedWaitNs() - wait0;
  const sim1 = await simStats();
  const loadAtLive = load();
  const rssAtLive = vm('VmRSS');
  // steady state: every book live, diffs at 100 ms
  const steadyMs = Number(opt['steady-seconds']) * 1000;
  const c0 = process.cpuUsage();
  const deltas0 = deltas.n;
  const wait1 = schedWaitNs();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, steadyMs));
  const c = process.cpuUsage(c0);
  const wall = performance.now() - w0;
  const waitSteady = schedWaitNs() - wait1;
  const steadyDeltasPerSec = (deltas.n - deltas0) / (wall / 1000);
  const sim2 = await simStats();
  const loadEnd = load();
  const rssSteady = vm('VmRSS');
  // what of it is live: RSS and heap right after a full GC (the child runs with --expose-gc)
  global.gc?.();
  const rssAfterGc = vm('VmRSS');
  const heapAfterGc = process.memoryUsage().heapUsed / 2 ** 20;
  clearInterval(tick);
  // correctness: pause the simulator, let every book reach the simulator's last update, compare the top 10
  sim.send({ pause: true });
  let truth = await ask({ truth: symbols, depth: 10 }, 'truth');
  let wrong = [];
  for (let i = 0; i < 100; i++) {
    wrong = [];
    for (const s of symbols) {
      const b = hub.book('binance', s);
      const t = truth[s];
      if (!b || b.state !== 'live' || b.updateId !== t.updateId) {
        wrong.push(`${s}: ${b?.state} at ${b?.updateId} vs ${t.updateId}`);
        continue;
      }
      const top = b.sync.book.top(10);
      if (JSON.stringify(top.bids) !== JSON.stringify(t.bids) || JSON.stringify(top.asks) !== JSON.stringify(t.asks)) wrong.push(`${s}: levels differ`);
    }
    if (wrong.length === 0 || wrong.some((w) => w.includes('differ'))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  sub.unsubscribe();
  sim.send({ close: true });
  await new Promise((r) => sim.once('exit', r));
  const times = [...liveAt.values()].sort((a, b) => a - b);
  const weight = firstDepth ? SHALLOW_WEIGHT(firstDepth) : SNAPSHOT_WEIGHT;
  return {
    symbols: n,
    firstSnapshotDepth: firstDepth ?? null,
    restWeightShare: share ?? 0.8,
    allLiveS: timedOut ? null : Math.round(tAll * 10) / 10,
    liveCount: liveAt.size,
    p50LiveS: Math.round((times[Math.floor(times.length / 2)] ?? NaN) / 100) / 10,
    boundS: bound(n, weight, LIMIT),
    boundAtBudgetS: bound(n, weight, Math.floor(LIMIT * (share ?? 0.8))),
    syncCpuShare: (cpuSync.user + cpuSync.system) / 1e6 / tAll,
    steadyCpuShare: (c.user + c.system) / 1e3 / wall,
    // book deltas received per second in the steady phase, against the 10 × symbols a simulator keeping up sends
    steadyDeltasPerSec: Math.round(steadyDeltasPerSec),
    steadyDeltaShare: steadyDeltasPerSec / (10 * n),
    // waiting runnable for a CPU (share of wall time): tickwire's and the simulator's; the simulator's CPU share and
    // its event loop's worst delay (a 100 ms step due but not run) say whether it kept up
    syncWaitShare: waitSync / 1e9 / tAll,
    steadyWaitShare: waitSteady / 1e9 / (wall / 1000),
    simSyncCpuShare: (sim1.cpuUs - sim0.cpuUs) / 1e6 / tAll,
    simSyncWaitShare: (sim1.waitNs - sim0.waitNs) / 1e9 / tAll,
    simSyncLoopDelayMaxMs: Math.round(sim1.loopDelayMaxMs),
    simSyncLoopDelayP99Ms: Math.round(sim1.loopDelayP99Ms),
    simSteadyCpuShare: (sim2.cpuUs - sim1.cpuUs) / 1e3 / wall,
    simSteadyWaitShare: (sim2.waitNs - sim1.waitNs) / 1e6 / wall,
    simSteadyLoopDelayP99Ms: Math.round(sim2.loopDelayP99Ms),
    load: { start: load0, atLive: loadAtLive, end: loadEnd },
    rssBaseMb: Math.round(rss0),
    rssAtLiveMb: Math.round(rssAtLive),
    rssSteadyMb: Math.round(rssSteady),
    peakRssMb: Math.round(vm('VmHWM')),
    rssAfterGcMb: Math.round(rssAfterGc),
    heapAfterGcMb: Math.round(heapAfterGc),
    deepened: deepened.n,
    deepenedBySplice: deepened.spliced,
    rssPerBookMb: Math.round(((rssSteady - rss0) / n) * 1000) / 1000,
    resyncs: resyncs.n,
    correct: wrong.length === 0 ? `${n}/${n}` : `${n - wrong.length}/${n}`,
    wrong: wrong.slice(0, 5),
    timeline,
  };
}

if (opt.child) {
  const r = await runOne(Number(opt.child));
  process.send(r);
  process.exit(0);
}

const pc = (x) => (x * 100).toFixed(1);
const sizes = opt.symbols.split(',').map(Number);
const results = [];
for (const n of sizes) {
  log(`scale: ${n} symbols …`);
  // each size in a fresh process, so that RSS and the JIT start from the same point
  const args = process.argv.slice(2).filter((a, i, all) => a !== '--symbols' && all[i - 1] !== '--symbols' && !a.startsWith('--symbols='));
  const child = fork(fileURLToPath(import.meta.url), [...args, '--child', String(n)], { execArgv: ['--expose-gc', ...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : [])] });
  const r = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => code !== 0 && reject(new Error(`scale child exited ${code}`)));
  });
  results.push(r);
  log(JSON.stringify({ ...r, timeline: undefined }));
}
mkdirSync(dirname(opt.json), { recursive: true });
writeFileSync(opt.json, JSON.stringify(results, null, 2));
console.log('| symbols | first snapshot | all live s | bound s (limit 6000) | bound s (tickwire budget) | p50 live s | CPU % of one core (steady) | CPU % (sync phase) | RSS MB (steady) | RSS per book MB | peak RSS MB | resyncs | correct | sim CPU % sync / steady | sim waited for CPU % sync / steady | sim loop delay p99 ms sync / steady | tickwire waited % sync / steady | load 1 min start / live / end | deltas/s steady (% of 10 × symbols) |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
for (const r of results) {
  console.log(
    `| ${r.symbols} | ${r.firstSnapshotDepth ?? 1000} levels | ${r.allLiveS ?? `> ${opt['max-minutes']} min (${r.liveCount} live)`} | ${r.boundS} | ${r.boundAtBudgetS} | ${r.p50LiveS} | ${(r.steadyCpuShare * 100).toFixed(1)} | ${(r.syncCpuShare * 100).toFixed(1)} | ${r.rssSteadyMb} | ${r.rssPerBookMb} | ${r.peakRssMb} | ${r.resyncs} | ${r.correct} | ${pc(r.simSyncCpuShare)} / ${pc(r.simSteadyCpuShare)} | ${pc(r.simSyncWaitShare)} / ${pc(r.simSteadyWaitShare)} | ${r.simSyncLoopDelayP99Ms} / ${r.simSteadyLoopDelayP99Ms} | ${pc(r.syncWaitShare)} / ${pc(r.steadyWaitShare)} | ${r.load.start[0]} / ${r.load.atLive[0]} / ${r.load.end[0]} | ${r.steadyDeltasPerSec} (${pc(r.steadyDeltaShare)}) |`,
  );
}
