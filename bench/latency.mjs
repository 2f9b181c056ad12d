#!/usr/bin/env node
/**
 * Latency under paced load: 20 symbols at the real 100 ms cadence (200 diffs/s), then the same plus a burst of
 * BURST diffs every 2 s. The client (bench/clients/latency-client.mjs) runs in its own process; the simulator here.
 *   node bench/latency.mjs [--seconds 10] [--burst 5000]
 */
import { fork, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SYMBOLS_20, sleep, startBenchSim } from './lib/sim-driver.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function once(child, t, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${t}`)), ms);
    const on = (m) => {
      if (m.t === t) {
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

function row(label, xs) {
  const f = (v) => (v / 1000).toFixed(3);
  return `| ${label} | ${xs.length} | ${f(pct(xs, 50))} | ${f(pct(xs, 99))} | ${f(pct(xs, 99.9))} | ${f(pct(xs, 100))} |`;
}

export async function runLatency({ seconds = 10, burst = 5000 } = {}) {
  const lines = ['\n### Latency (ms), 20 symbols at 100 ms cadence; tickwire embedded with one sink per run (NDJSON on stdout, a pipe; or the local server and its client)\n'];
  lines.push('| load · path | samples | p50 | p99 | p99.9 | max |', '|---|---:|---:|---:|---:|---:|');
  const ndjson = await runPaths(['ndjson'], seconds, burst);
  const server = await runPaths(['server'], seconds, burst);
  const loads = ['paced', `paced + ${burst}-diff burst every 2 s`];
  for (const [k, load] of loads.entries()) {
    lines.push(
      row(`${load} · frame → subscriber`, ndjson[k].a),
      row(`${load} · frame → NDJSON line in the pipe (readable by the reader)`, ndjson[k].p),
      row(`${load} · frame → NDJSON write callback (stdout pipe)`, ndjson[k].b),
      row(`${load} · frame → local-server client`, server[k].c),
    );
  }
  // what the OS did meanwhile: a stall of the client process delays every frame it was processing
  const f = (v) => v.toFixed(1);
  const os = [];
  for (const [name, runs] of [['NDJSON', ndjson], ['local-server', server]]) {
    for (const [k, load] of loads.entries()) {
      const o = runs[k].os;
      if (o) {
        os.push(
          `- ${name} run, ${load}: client CPU ${f(o.cpuMs)} ms, waited runnable for a CPU ${f(o.waitMs)} ms (${o.slices} timeslices), host steal ${f(o.stealMs)} ms (both CPUs)`,
        );
      }
    }
  }
  if (os.length > 0) lines.push('', 'Meanwhile (Linux `/proc`):', ...os);
  return lines.join('\n');
}

/** One client process with the given sinks: samples of the paced phase, then of the paced + bursts phase. */
async function runPaths(paths, seconds, burst) {
  const sim = await startBenchSim(SYMBOLS_20, 7, { intervalMs: 100 });
  const ep = sim.endpoints.binance;
  // the NDJSON reader: its own process (not this one, which is busy writing the simulator's bursts)
  const reader = spawn('sh', ['-c', 'cat > /dev/null'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const child = fork(join(here, 'clients', 'latency-client.mjs'), [], { stdio: ['ignore', reader.stdin, 'inherit', 'ipc'] });
  const out = [];
  try {
    child.send({ t: 'start', ws: ep.ws, rest: ep.rest, symbols: SYMBOLS_20, paths });
    await once(child, 'ready', 60_000);
    await sleep(1000);
    // paced only
    child.send({ t: 'record' });
    await once(child, 'recording', 5000);
    await sleep(seconds * 1000);
    child.send({ t: 'collect' });
    out.push(await once(child, 'samples', 30_000));
    // paced + bursts
    child.send({ t: 'record' });
    await once(child, 'recording', 5000);
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await sleep(2000);
      await sim.burst('binance', { diffs: burst });
    }
    await sleep(500);
    child.send({ t: 'collect' });
    out.push(await once(child, 'samples', 30_000));
  } finally {
    child.kill('SIGKILL');
    reader.kill();
    await sim.close();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, burst: { type: 'string', default: '5000' } } });
  runLatency({ seconds: Number(values.seconds), burst: Number(values.burst) }).then((t) => console.log(t), (e) => {
    console.error(e);
    process.exit(1);
  });
}
