// Soak: `tickwire sim --chaos` in one process, `tickwire stream` in another, books rebuilt from the NDJSON and
// compared with the simulator's true book over HTTP (GET /_sim/book) every minute; RSS of the stream process
// sampled every 10 s. Not part of the test suite. Needs `npm run build` first.
//
//   nice node bench/soak.mjs [--minutes 30] [--symbols 20] [--chaos 30] [--seed 1] [--exchanges binance,okx,kraken]
//
// A check compares the top 10 levels of every book whose stream is `live`: at the book's own update id
// (GET /_sim/book?updateId=U) where the feed has ids; for books without ids on the wire (Kraken) with that
// exchange's market paused (POST /_sim/pause … /_sim/resume, a few seconds at most): the true book then stands
// still, and once the frames in flight have arrived the consumer's book must equal it exactly (waited for up to 3 s,
// on every event of that book). The summary (JSON) goes to stdout; progress to stderr.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OrderBook } from '../dist/book/order-book.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    symbols: { type: 'string', default: '20' },
    chaos: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    exchanges: { type: 'string', default: 'binance,okx,kraken' },
    'check-seconds': { type: 'string', default: '60' },
    'rss-seconds': { type: 'string', default: '10' },
  },
});
const MINUTES = Number(values.minutes);
const EXCHANGES = values.exchanges.split(',');
const BASES = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'ADA', 'DOGE', 'DOT', 'AVAX', 'LINK', 'LTC', 'TRX', 'ATOM', 'NEAR', 'UNI', 'APT', 'ARB', 'OP', 'FIL', 'ETC'];
const SYMBOLS = BASES.slice(0, Number(values.symbols)).map((b) => `${b}/USDT`);
const DEPTH = 10;
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const log = (...a) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${a.join(' ')}\n`);

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

// ---- the simulator, with chaos ----
const sim = spawn(process.execPath, [CLI, 'sim', ...EXCHANGES.flatMap((e) => ['--exchange', e]), '--symbols', SYMBOLS.join(','), '--chaos', values.chaos, '--seed', values.seed, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
const faults = [];
createInterface({ input: sim.stderr }).on('line', (l) => {
  try {
    const j = JSON.parse(l);
    if (j.chaos !== undefined) faults.push({ exchange: j.exchange, kind: j.fault.kind, symbol: j.fault.symbol });
  } catch {
    process.stderr.write(`sim: ${l}\n`);
  }
});
const endpoints = {};
await new Promise((resolve, reject) => {
  const rl = createInterface({ input: sim.stdout });
  rl.on('line', (l) => {
    const m = /^--endpoint ([a-z-]+)=(\S+),(\S+)$/.exec(l);
    if (m) endpoints[m[1]] = { ws: m[2], rest: m[3] };
    if (Object.keys(endpoints).length === EXCHANGES.length) resolve();
  });
  sim.once('exit', (c) => reject(new Error(`sim exited ${c}`)));
});
log('sim', JSON.stringify(endpoints));

// ---- the streamer ----
const markets = EXCHANGES.flatMap((e) => SYMBOLS.map((s) => `${e}:${s}`));
const stream = spawn(
  process.execPath,
  [CLI, 'stream', ...markets, '--channels', 'book', '--log-level', 'warn', ...EXCHANGES.flatMap((e) => ['--endpoint', `${e}=${endpoints[e].ws},${endpoints[e].rest}`])],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let streamErr = '';
stream.stderr.on('data', (d) => {
  streamErr = (streamErr + d).slice(-4000);
});
const books = new Map(); // key → { book, updateId, state, listeners }
const statusCounts = {};
let events = 0;
createInterface({ input: stream.stdout }).on('line', (l) => {
  events++;
  const e = JSON.parse(l);
  const key = `${e.exchange}:${e.symbol}`;
  if (e.type === 'status') {
    if (e.scope === 'stream' && e.channel === 'book') {
      const b = books.get(key) ?? { book: new OrderBook(), updateId: undefined, state: undefined, listeners: new Set() };
      books.set(key, b);
      b.state = e.state;
      if (e.state !== 'live') statusCounts[`${e.state} ${e.code}`] = (statusCounts[`${e.state} ${e.code}`] ?? 0) + 1;
    }
    return;
  }
  if (e.type !== 'book_snapshot' && e.type !== 'book_delta') return;
  const b = books.get(key) ?? { book: new OrderBook(), updateId: undefined, state: undefined, listeners: new Set() };
  books.set(key, b);
  if (e.type === 'book_snapshot') b.book.applySnapshot(e.bids, e.asks);
  else b.book.applyLevels(e.bids, e.asks);
  b.updateId = e.updateId;
  for (const f of [...b.listeners]) f();
});

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const truthUrl = (ex, sym, id) => `${endpoints[ex].rest}/_sim/book?symbol=${encodeURIComponent(sym)}&depth=${DEPTH}${id === undefined ? '' : `&updateId=${id}`}`;

// `reconciled` (the periodic REST cross-check agreed) is a live book too
const isLive = (st) => st === 'live' || st === 'reconciled';
const split = (key) => [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];

/** A book with update ids: its top 10 against the truth at that very id. */
async function checkAtId(key) {
  const [ex, sym] = split(key);
  const b = books.get(key);
  if (!b || !isLive(b.state)) return 'not-live';
  const id = b.updateId;
  const mine = b.book.top(DEPTH);
  const r = await fetch(truthUrl(ex, sym, id));
  if (r.status !== 200) return `truth-unavailable ${r.status}`;
  const t = await r.json();
  return same(mine, { bids: t.bids, asks: t.asks }) ? 'equal' : 'DIFFERENT';
}

/**
 * A book without update ids, its exchange's market paused: the truth stands still, so the consumer's book must
 * become exactly it once the frames in flight have arrived (3 s at most, checked on each of its events).
 */
async function checkStill(key) {
  const [ex, sym] = split(key);
  const b = books.get(key);
  if (!b || !isLive(b.state)) return 'not-live';
  const t = await (await fetch(truthUrl(ex, sym))).json();
  const want = { bids: t.bids, asks: t.asks };
  if (same(b.book.top(DEPTH), want)) return 'equal';
  return new Promise((resolve) => {
    const done = (v) => {
      clearTimeout(timer);
      b.listeners.delete(on);
      resolve(v);
    };
    const on = () => {
      if (same(b.book.top(DEPTH), want)) done('equal');
    };
    const timer = setTimeout(() => done(!isLive(b.state) ? 'not-live' : same(b.book.top(DEPTH), want) ? 'equal' : 'DIFFERENT'), 3000);
    b.listeners.add(on);
  });
}

const control = (ex, what) => fetch(`${endpoints[ex].rest}/_sim/${what}`, { method: 'POST' }).then((r) => r.json());

/** One check round: books with ids at their id; for each exchange with books without ids, those with its market paused. */
async function checkRound() {
  const withIds = markets.filter((k) => books.get(k)?.updateId !== undefined);
  const still = markets.filter((k) => !withIds.includes(k));
  const out = await Promise.all(withIds.map(async (k) => [k, await checkAtId(k)]));
  for (const ex of EXCHANGES) {
    const keys = still.filter((k) => split(k)[0] === ex);
    if (keys.length === 0) continue;
    await control(ex, 'pause');
    try {
      out.push(...(await Promise.all(keys.map(async (k) => [k, await checkStill(k)]))));
    } finally {
      await control(ex, 'resume');
    }
  }
  return out;
}

const rss = [];
const checks = [];
const t0 = Date.now();
const rssTimer = setInterval(() => rss.push({ t: Math.round((Date.now() - t0) / 1000), stream: rssMb(stream.pid), sim: rssMb(sim.pid) }), Number(values['rss-seconds']) * 1000);
const checkTimer = setInterval(async () => {
  const results = await checkRound();
  const c = { t: Math.round((Date.now() - t0) / 1000), equal: 0, notLive: 0, different: [], other: [], notLiveKeys: [] };
  for (const [k, r] of results) {
    if (r === 'equal') c.equal++;
    else if (r === 'not-live') {
      c.notLive++;
      c.notLiveKeys.push(`${k} ${books.get(k)?.state}`);
    }
    else if (r === 'DIFFERENT') c.different.push(k);
    else c.other.push(`${k} ${r}`);
  }
  checks.push(c);
  log(`check t=${c.t}s equal ${c.equal}/${markets.length} not-live ${c.notLive} different ${c.different.length} other ${c.other.length}; faults ${faults.length}; rss ${rss.at(-1)?.stream} MB; events ${events}`);
}, Number(values['check-seconds']) * 1000);

const end = await Promise.race([
  new Promise((r) => setTimeout(() => r('done'), MINUTES * 60_000)),
  new Promise((r) => stream.once('exit', (c) => r(`stream exited ${c}: ${streamErr.slice(-500)}`))),
  new Promise((r) => sim.once('exit', (c) => r(`sim exited ${c}`))),
]);
clearInterval(rssTimer);
clearInterval(checkTimer);
stream.kill('SIGINT');
sim.kill('SIGINT');
const streamRss = rss.map((r) => r.stream).filter((x) => x !== undefined);
const byKind = {};
for (const f of faults) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
const summary = {
  end,
  minutes: MINUTES,
  exchanges: EXCHANGES,
  symbolsPerExchange: SYMBOLS.length,
  chaosSeconds: Number(values.chaos),
  seed: Number(values.seed),
  events,
  rssMb: { start: streamRss[0], max: Math.max(...streamRss), end: streamRss.at(-1), samples: streamRss.length },
  simRssMb: { start: rss[0]?.sim, end: rss.at(-1)?.sim },
  checks: { rounds: checks.length, equal: checks.reduce((a, c) => a + c.equal, 0), compared: checks.reduce((a, c) => a + c.equal + c.different.length, 0), notLive: checks.reduce((a, c) => a + c.notLive, 0), different: checks.flatMap((c) => c.different.map((k) => `t=${c.t} ${k}`)), other: checks.flatMap((c) => c.other) },
  notLiveAtLastCheck: checks.at(-1)?.notLiveKeys ?? [],
  faultsInjected: faults.length,
  faults,
  faultsByKind: byKind,
  nonLiveStatuses: statusCounts,
  rssSeries: rss,
};
process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);
process.exit(0);
