/**
 * Drives one simulator for one client run: a fresh seeded simulator (same seed → same frames for every client),
 * no timer traffic (paused), a fixed warm-up of small bursts, then the measured burst.
 */
import { startSim } from '../../dist/index.js';

export const SYMBOLS_20 = [
  'BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT', 'ADA/USDT', 'DOGE/USDT', 'TRX/USDT', 'DOT/USDT',
  'LTC/USDT', 'LINK/USDT', 'AVAX/USDT', 'ATOM/USDT', 'UNI/USDT', 'XLM/USDT', 'ETC/USDT', 'FIL/USDT', 'APT/USDT',
  'NEAR/USDT', 'ARB/USDT',
];

export const native = (s) => s.replace('/', '');

const FAR = 2_000_000_000; // ms: timers that never fire during a run

export async function startBenchSim(symbols, seed = 7, extra = {}) {
  const sim = await startSim({
    exchanges: ['binance'],
    seed,
    symbols,
    intervalMs: FAR,
    tradeIntervalMs: FAR,
    tickerIntervalMs: FAR,
    enforceMessageRate: false,
    logLimit: 10_000,
    ...extra,
  });
  return sim;
}

/** Depth topics subscribed so far (from the simulator's log: combined-stream URLs and SUBSCRIBE requests). */
export function subscribedTopics(sim) {
  const topics = new Set();
  for (const e of sim.entries('binance')) {
    if (e.kind === 'ws-open' && e.data) {
      const q = e.data.indexOf('streams=');
      if (q >= 0) for (const t of e.data.slice(q + 8).split('&')[0].split('/')) topics.add(decodeURIComponent(t));
    } else if (e.kind === 'ws-recv' && e.data && e.data.includes('SUBSCRIBE')) {
      try {
        const m = JSON.parse(e.data);
        if (m.method === 'SUBSCRIBE' && Array.isArray(m.params)) for (const t of m.params) topics.add(t);
      } catch {
        /* not JSON */
      }
    }
  }
  return topics;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(pred, timeoutMs, what) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Truth: top `n` levels per side after the last emitted update. */
export function truth(sim, symbols, n = 10) {
  const out = {};
  for (const s of symbols) {
    const b = sim.trueBook('binance', s);
    out[native(s)] = { updateId: b.updateId, bids: b.bids.slice(0, n), asks: b.asks.slice(0, n) };
  }
  return out;
}

/** Compare a client's top levels with the truth: exact strings, or numbers for clients that keep floats. */
export function sameLevels(got, want) {
  if (!Array.isArray(got) || got.length !== want.length) return false;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    for (let k = 0; k < 2; k++) {
      const gv = g[k];
      if (typeof gv === 'number' ? gv !== Number(w[k]) : gv !== w[k]) return false;
    }
  }
  return true;
}
