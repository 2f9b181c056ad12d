#!/usr/bin/env node
/**
 * Latency under paced load: 20 symbols at the real 100 ms cadence (200 diffs/s), then the same plus a burst of
 * BURST diffs every 2 s. The client (bench/clients/latency-client.mjs) runs in its own process; the simulator here.
 *   node bench/latency.mjs [--seconds 10] [--burst 5000]
 */
import { fork } from 'node:child_process';
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
  const sim = await startBenchSim(SYMBOLS_20, 7, { intervalMs: 100 });
  const ep = sim.endpoints.binance;
  const child = fork(join(here, 'clients', 'latency-client.mjs'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const lines = ['\n### Latency (ms), 20 symbols at 100 ms cadence; tickwire embedded + NDJSON pipe + local server and its client, all in one process\n'];
  lines.push('| load · path | samples | p50 | p99 | p99.9 | max |', '|---|---:|---:|---:|---:|---:|');
  try {
    child.send({ t: 'start', ws: ep.ws, rest: ep.rest, symbols: SYMBOLS_20 });
    await once(child, 'ready', 60_000);
    await sleep(1000);
    // paced only
    child.send({ t: 'record' });
    await once(child, 'recording', 5000);
    await sleep(seconds * 1000);
    child.send({ t: 'collect' });
    let s = await once(child, 'samples', 30_000);
    lines.push(row('paced · frame → subscriber', s.a), row('paced · frame → NDJSON write callback', s.b), row('paced · frame → local-server client', s.c));
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
    s = await once(child, 'samples', 30_000);
    lines.push(
      row(`paced + ${burst}-diff burst every 2 s · frame → subscriber`, s.a),
      row(`paced + ${burst}-diff burst every 2 s · frame → NDJSON write callback`, s.b),
      row(`paced + ${burst}-diff burst every 2 s · frame → local-server client`, s.c),
    );
  } finally {
    child.kill('SIGKILL');
    await sim.close();
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, burst: { type: 'string', default: '5000' } } });
  runLatency({ seconds: Number(values.seconds), burst: Number(values.burst) }).then((t) => console.log(t), (e) => {
    console.error(e);
    process.exit(1);
  });
}
