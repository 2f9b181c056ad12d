// The simulator in its own process, so that its CPU is not the measured process's: for bench/fanout.mjs and
// bench/latency.mjs. argv[2]: JSON `{ symbols, seed, nice, ...startSim options }` (bench defaults: sim-driver.mjs).
// Exits when its parent's IPC channel closes. `nice` (optional): this process's niceness, so that on a small box it stands in for a remote exchange instead of
// taking CPU from the client it feeds. IPC: {burst: n} → {burst}, {pause}, {resume}, {close},
// {truth: [unified symbols], depth} → {truth: {symbol: {updateId, bids, asks}}} (best `depth` levels per side),
// {stats: true} → {stats: {cpuUs, waitNs, loopDelayMaxMs, loopDelayP99Ms}}: this process's CPU time, the time it
// waited runnable for a CPU (Linux /proc/self/schedstat; null elsewhere) and its event-loop delay since the last ask
// (a simulator starved of CPU sends its 100 ms steps late: its clients' time-to-live is then not the REST bound).
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startBenchSim } from './lib/sim-driver.mjs';

const { symbols, seed, nice, ...extra } = JSON.parse(process.argv[2] ?? '{}');
if (nice) setPriority(nice);
const sim = await startBenchSim(symbols, seed, extra);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const waitNs = () => {
  try {
    return Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]);
  } catch {
    return null;
  }
};
process.send({ endpoint: sim.endpoints.binance });
// the parent gone (killed, `timeout`, Ctrl-C) leaves no simulator behind: no IPC channel, no process
process.on('disconnect', () => process.exit(0));
process.on('message', async (m) => {
  if (m.burst) process.send({ burst: await sim.burst('binance', { diffs: m.burst }) });
  if (m.stats) {
    const u = process.cpuUsage();
    process.send({ stats: { cpuUs: u.user + u.system, waitNs: waitNs(), loopDelayMaxMs: loop.max / 1e6, loopDelayP99Ms: loop.percentile(99) / 1e6 } });
    loop.reset();
  }
  if (m.pause) sim.pause();
  if (m.resume) sim.resume();
  if (m.truth) {
    const out = {};
    for (const s of m.truth) {
      const b = sim.trueBook('binance', s);
      if (b) out[s] = { updateId: b.updateId, bids: b.bids.slice(0, m.depth ?? 10), asks: b.asks.slice(0, m.depth ?? 10) };
    }
    process.send({ truth: out });
  }
  if (m.close) {
    await sim.close();
    process.exit(0);
  }
});
