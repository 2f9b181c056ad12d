// Soak: `tickwire sim --chaos` in one process, `tickwire stream` in another, books rebuilt from the NDJSON and
// compared with the simulator's true book over HTTP (GET /_sim/book) every minute; RSS of the stream process
// sampled every 10 s, with its live heap after a full GC (the stream runs with --expose-gc and
// TICKWIRE_DEBUG_MEMORY_MS, see src/cli/memory-probe.ts). Not part of the test suite. Needs `npm run build` first.
//
//   nice node bench/soak.mjs [--minutes 30] [--symbols 20] [--chaos 30] [--seed 1] [--exchanges binance,okx,kraken]
//                            [--check-seconds 60] [--rss-seconds 10] [--record FILE]
//
// A check compares the top 10 levels of every book whose stream is `live`: at the book's own update id
// (GET /_sim/book?updateId=U) where the feed has ids; for books without ids on the wire (Kraken) with that
// exchange's market paused (POST /_sim/pause … /_sim/resume, a few seconds at most): the true book then stands
// still, and once the frames in flight have arrived the consumer's book must equal it exactly (waited for up to 3 s,
// on every event of that book). The simulator's /_sim/book is the truth at the last book frame it actually sent,
// so a step whose frame a fault dropped or suppressed just before the pause is not counted against the consumer (it
// cannot know of it until the next frame's checksum). A difference is explained on stderr and in the summary: the
// book's last statuses and events, its exchange's recent faults, both tops and (Kraken) their CRC32s. The summary
// (JSON) goes to stdout; progress to stderr.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { OrderBook } from '../dist/book/order-book.js';
import { checksumOfLevels } from '../dist/exchanges/kraken/checksum.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    symbols: { type: 'string', default: '20' },
    chaos: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    exchanges: { type: 'string', default: 'binance,okx,kraken' },
    'check-seconds': { type: 'string', default: '60' },
    'rss-seconds': { type: 'string', default: '10' },
    /** Also record the stream's raw frames (tickwire stream --record FILE), to look at the wire after a difference. */
    record: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
const EXCHANGES = values.exchanges.split(',');
const BASES = ['BTC', 'ETH', 'SOL', 'BNB', 'XRP', 'ADA', 'DOGE', 'DOT', 'AVAX', 'LINK', 'LTC', 'TRX', 'ATOM', 'NEAR', 'UNI', 'APT', 'ARB', 'OP', 'FIL', 'ETC'];
const SYMBOLS = BASES.slice(0, Number(values.symbols)).map((b) => `${b}/USDT`);
const DEPTH = 10;
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const T0 = Date.now();
const since = () => Math.round((Date.now() - T0) / 100) / 10;
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
    if (j.chaos !== undefined) faults.push({ t: since(), exchange: j.exchange, kind: j.fault.kind, symbol: j.fault.symbol });
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
// --expose-gc + TICKWIRE_DEBUG_MEMORY_MS (src/cli/memory-probe.ts): the stream writes its heap after a full GC to
// stderr every rss period, the figure that tells a plateau from a leak (RSS alone mixes in the GC sawtooth and
// memory the allocator keeps)
const stream = spawn(
  process.execPath,
  ['--expose-gc', CLI, 'stream', ...markets, '--channels', 'book', '--log-level', 'warn', ...EXCHANGES.flatMap((e) => ['--endpoint', `${e}=${endpoints[e].ws},${endpoints[e].rest}`]), ...(values.record ? ['--record', values.record] : [])],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TICKWIRE_DEBUG_MEMORY_MS: String(Number(values['rss-seconds']) * 1000) } },
);
let streamErr = '';
const heap = []; // { t, heapUsed, rss } in MB, heapUsed after a full GC
const mb = (bytes) => Math.round(bytes / 104857.6) / 10;
createInterface({ input: stream.stderr }).on('line', (l) => {
  if (l.startsWith('{"memory"')) {
    const m = JSON.parse(l).memory;
    heap.push({ t: Math.round((m.t - T0) / 1000), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers), rss: mb(m.rss), gc: m.gc });
    return;
  }
  streamErr = (streamErr + l + '\n').slice(-4000);
});
const books = new Map(); // key → { book, updateId, state, listeners, statuses, recent }
const newBook = () => ({ book: new OrderBook(), updateId: undefined, state: undefined, listeners: new Set(), statuses: [], recent: [] });
const keep = (xs, x, n) => {
  xs.push(x);
  if (xs.length > n) xs.shift();
};
const statusCounts = {};
let events = 0;
createInterface({ input: stream.stdout }).on('line', (l) => {
  events++;
  const e = JSON.parse(l);
  const key = `${e.exchange}:${e.symbol}`;
  if (e.type === 'status') {
    if (e.scope === 'stream' && e.channel === 'book') {
      const b = books.get(key) ?? newBook();
      books.set(key, b);
      b.state = e.state;
      keep(b.statuses, { t: since(), state: e.state, code: e.code, reason: e.reason }, 8);
      if (e.state !== 'live') statusCounts[`${e.state} ${e.code}`] = (statusCounts[`${e.state} ${e.code}`] ?? 0) + 1;
    }
    return;
  }
  if (e.type !== 'book_snapshot' && e.type !== 'book_delta') return;
  const b = books.get(key) ?? newBook();
  books.set(key, b);
  keep(b.recent, { t: since(), type: e.type, seq: e.seq, epoch: e.epoch, bids: e.bids.length, asks: e.asks.length, ...(e.updateId === undefined ? {} : { updateId: e.updateId }) }, 6);
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

const differences = [];
/** Which levels differ: `[side, price, mine, truth]`. */
function levelDiff(mine, want) {
  const out = [];
  for (const side of ['bids', 'asks']) {
    const a = new Map(mine[side]);
    const b = new Map(want[side]);
    for (const p of new Set([...a.keys(), ...b.keys()])) if (a.get(p) !== b.get(p)) out.push([side, p, a.get(p) ?? null, b.get(p) ?? null]);
  }
  return out;
}
/**
 * A difference, explained: the book's last statuses and events, the faults of its exchange in the 2 min before, both
 * tops, and (Kraken) the CRC32 of each top 10 — Kraken sends the checksum of its top 10 on every update, so a
 * consumer book whose checksum is not the truth's is one that no update since has been checked against.
 */
function explain(key, want, extra) {
  const [ex, sym] = split(key);
  const b = books.get(key);
  const mine = b.book.top(DEPTH);
  const d = {
    t: since(),
    key,
    state: b.state,
    updateId: b.updateId,
    ...extra,
    statuses: b.statuses,
    recentEvents: b.recent,
    faults: faults.filter((f) => f.exchange === ex && f.t >= since() - 120).map((f) => ({ ...f, thisSymbol: f.symbol === sym })),
    levels: levelDiff(mine, want),
    mine,
    truth: want,
    ...(ex === 'kraken' ? { crc32: { mine: checksumOfLevels(mine.asks, mine.bids), truth: checksumOfLevels(want.asks, want.bids) } } : {}),
  };
  differences.push(d);
  log(`DIFFERENT ${JSON.stringify(d)}`);
}

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
  const want = { bids: t.bids, asks: t.asks };
  if (same(mine, want)) return 'equal';
  explain(key, want, { checkedAtId: id });
  return 'DIFFERENT';
}

/**
 * A book without update ids, its exchange's market paused: the truth stands still, so the consumer's book must
 * become exactly it once the frames in flight have arrived (3 s at most, checked on each of its events).
 */
async function checkStill(key) {
  const [ex, sym] = split(key);
  const b = books.get(key);
  if (!b || !isLive(b.state)) return 'not-live';
  const lastEventAtPause = b.recent.at(-1)?.t;
  const pausedAt = since();
  const t = await (await fetch(truthUrl(ex, sym))).json();
  const want = { bids: t.bids, asks: t.asks };
  if (same(b.book.top(DEPTH), want)) return 'equal';
  const differ = () => {
    explain(key, want, { paused: { at: pausedAt, lastEventBefore: lastEventAtPause, truthUpdateId: t.updateId } });
    return 'DIFFERENT';
  };
  return new Promise((resolve) => {
    const done = (v) => {
      clearTimeout(timer);
      b.listeners.delete(on);
      resolve(v);
    };
    const on = () => {
      if (same(b.book.top(DEPTH), want)) done('equal');
    };
    const timer = setTimeout(() => done(!isLive(b.state) ? 'not-live' : same(b.book.top(DEPTH), want) ? 'equal' : differ()), 3000);
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

function heapFigures(series) {
  const xs = series.filter((h) => h.t >= 60).map((h) => h.heapUsed);
  if (xs.length === 0) return undefined;
  const third = Math.max(1, Math.floor(xs.length / 3));
  const mean = (a) => Math.round((a.reduce((x, y) => x + y, 0) / a.length) * 10) / 10;
  return { start: xs[0], max: Math.max(...xs), end: xs.at(-1), firstThirdMean: mean(xs.slice(0, third)), lastThirdMean: mean(xs.slice(-third)), samples: xs.length, gc: series.every((h) => h.gc) };
}

const rss = [];
const checks = [];
const t0 = T0; // every t in the summary counts from the start of the script
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
  log(`check t=${c.t}s equal ${c.equal}/${markets.length} not-live ${c.notLive} different ${c.different.length} other ${c.other.length}; faults ${faults.length}; rss ${rss.at(-1)?.stream} MB; heap after GC ${heap.at(-1)?.heapUsed} MB; events ${events}`);
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
  // the stream's live heap after a full GC (MB): start (first sample after the books synced, t ≥ 60 s), max, end, and
  // the mean of the first and last third of the run after that (a leak shows as a last third above the first)
  heapAfterGcMb: heapFigures(heap),
  checks: { rounds: checks.length, equal: checks.reduce((a, c) => a + c.equal, 0), compared: checks.reduce((a, c) => a + c.equal + c.different.length, 0), notLive: checks.reduce((a, c) => a + c.notLive, 0), different: checks.flatMap((c) => c.different.map((k) => `t=${c.t} ${k}`)), other: checks.flatMap((c) => c.other) },
  notLiveAtLastCheck: checks.at(-1)?.notLiveKeys ?? [],
  differences,
  faultsInjected: faults.length,
  faults,
  faultsByKind: byKind,
  nonLiveStatuses: statusCounts,
  rssSeries: rss,
  heapSeries: heap,
};
process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);
process.exit(0);
