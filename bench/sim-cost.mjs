#!/usr/bin/env node
/**
 * What the Binance simulator costs at scale, per build: the simulator in its own process (bench/sim-process.mjs) with
 * N books × 1000 levels at the real 100 ms cadence, every depth stream subscribed by `clients` WebSocket readers in
 * this process (20 streams per connection, as tickwire packs them), no REST. Reports the simulator's CPU time per
 * second and per delivered frame (CPU clock: waiting for a CPU on a loaded box stays out), its event loop's p99 delay
 * and the frames delivered per second against the 10 × N it should send. Builds alternate, `--rounds` times each.
 *
 *   node bench/sim-cost.mjs [--symbols 1000] [--seconds 20] [--rounds 2] [--sim-nice 0] DIR [DIR…]
 *
 * DIR: a directory holding `dist/` (the build whose simulator is measured); this script's own bench/ drives it.
 */
import { fork } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt, positionals: dirs } = parseArgs({
  allowPositionals: true,
  options: {
    symbols: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '2' },
    'sim-nice': { type: 'string', default: '0' },
  },
});
const n = Number(opt.symbols);
const symbols = Array.from({ length: n }, (_, i) => {
  let s = '';
  for (let k = i + 26 * 26; k > 0; k = Math.floor(k / 26)) s = String.fromCharCode(65 + (k % 26)) + s;
  return `Q${s}/USDT`; // the same symbols as bench/scale.mjs
});

/** A throwaway tree: this bench/ next to DIR's dist/ (sim-driver imports ../../dist). */
function tree(dir) {
  const t = mkdtempSync(join(tmpdir(), 'sim-cost-'));
  cpSync(here, join(t, 'bench'), { recursive: true });
  symlinkSync(resolve(dir, 'dist'), join(t, 'dist'));
  symlinkSync(resolve(here, '..', 'node_modules'), join(t, 'node_modules'));
  return t;
}

async function once(dir) {
  const t = tree(dir);
  const sim = fork(join(t, 'bench', 'sim-process.mjs'), [
    JSON.stringify({ symbols, seed: 7, nice: Number(opt['sim-nice']), levels: 1000, intervalMs: 100, tradeIntervalMs: 3_600_000, tickerIntervalMs: 3_600_000, logLimit: 1000 }),
  ]);
  const ask = (msg, key) =>
    new Promise((res) => {
      const on = (m) => {
        if (m[key] === undefined) return;
        sim.off('message', on);
        res(m[key]);
      };
      sim.on('message', on);
      if (msg) sim.send(msg);
    });
  const endpoint = await ask(undefined, 'endpoint');
  const streams = symbols.map((s) => `${s.replace('/', '').toLowerCase()}@depth@100ms`);
  let frames = 0;
  const sockets = [];
  for (let i = 0; i < streams.length; i += 20) {
    const ws = new WebSocket(`${endpoint.ws}/stream?streams=${streams.slice(i, i + 20).join('/')}`);
    ws.on('message', () => frames++);
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    sockets.push(ws);
  }
  await new Promise((r) => setTimeout(r, 3000)); // warm-up
  const s0 = await ask({ stats: true }, 'stats');
  const f0 = frames;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, Number(opt.seconds) * 1000));
  const s1 = await ask({ stats: true }, 'stats');
  const wall = (performance.now() - t0) / 1000;
  const got = frames - f0;
  for (const ws of sockets) ws.close();
  sim.send({ close: true });
  await new Promise((r) => sim.once('exit', r));
  rmSync(t, { recursive: true, force: true });
  const cpuS = (s1.cpuUs - s0.cpuUs) / 1e6;
  return {
    dir,
    cpuShare: cpuS / wall,
    cpuUsPerFrame: (cpuS * 1e6) / Math.max(1, got),
    framesPerSec: got / wall,
    frameShare: got / wall / (10 * n),
    loopP99Ms: s1.loopDelayP99Ms,
    waitShare: (s1.waitNs - s0.waitNs) / 1e9 / wall,
    load: loadavg()[0],
  };
}

const rows = [];
for (let r = 0; r < Number(opt.rounds); r++) {
  for (const dir of dirs) {
    const row = await once(dir);
    rows.push(row);
    console.error(JSON.stringify(row));
  }
}
console.log(`| build (${n} books × 1000 levels, 100 ms) | sim CPU % of one core | CPU µs per frame | frames/s (% of ${10 * n}) | loop delay p99 ms | waited for CPU % | load |`);
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.dir} | ${(r.cpuShare * 100).toFixed(1)} | ${r.cpuUsPerFrame.toFixed(1)} | ${Math.round(r.framesPerSec)} (${(r.frameShare * 100).toFixed(0)}%) | ${r.loopP99Ms.toFixed(0)} | ${(r.waitShare * 100).toFixed(0)} | ${r.load.toFixed(1)} |`,
  );
}
