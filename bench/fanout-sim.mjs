// Fan-out bench helper: the simulator in its own process (so its CPU is not the server's). IPC: {burst: n}.
import { startSim } from '../dist/sim/index.js';

const intervalMs = Number(process.argv[2] ?? 2);
const sim = await startSim({ exchanges: ['binance'], symbols: ['BTC/USDT'], seed: 5, intervalMs, tradeIntervalMs: 1_000_000, tickerIntervalMs: 1_000_000, historySize: 1000 });
process.send({ endpoint: sim.endpoints.binance });
process.on('message', async (m) => {
  if (m.burst) process.send({ burst: await sim.burst('binance', { symbols: ['BTC/USDT'], diffs: m.burst }) });
  if (m.pause) sim.pause();
  if (m.resume) sim.resume();
  if (m.close) {
    await sim.close();
    process.exit(0);
  }
});
