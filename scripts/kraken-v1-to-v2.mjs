#!/usr/bin/env node
/**
 * Convert recorded Kraken WebSocket **v1** book captures into Kraken **v2**-shaped frames for tickwire's fixtures.
 * Usage: node scripts/kraken-v1-to-v2.mjs <captures dir> [out dir]. The captures dir holds the public repositories'
 * files as `<repository name>/<commit>/<path>` (`SOURCES` below; repositories and commits in fixtures/README.md).
 *
 * What changes and what does not:
 * - v1 arrays `[chanId, {"as"/"bs"}|{"a"}|{"b","c"}…, "book-10", "XBT/USD"]` become
 *   `{"channel":"book","type":"snapshot"|"update","data":[{"symbol","bids","asks","checksum","timestamp"}]}`.
 * - Every price and qty is written as a raw JSON **number token carrying all the digits of the v1 string**
 *   (`"qty":0.00100000`, unquoted). Values are never parsed into floats here: the v1 strings are copied verbatim.
 * - Level order inside a side is kept (it matters: the same price can appear twice in one message). v1 republish
 *   entries (4th element `"r"`, levels that re-enter the subscribed depth) become ordinary levels: v2 has no flag.
 * - The update checksum is the v1 `"c"` value, copied. v1 snapshots carry no checksum, so neither do the converted
 *   snapshots (nothing is computed by us). The v2 `timestamp` is the newest level timestamp of the message.
 * - Symbols get their v2 names (`XBT` → `BTC`, `XDG` → `DOGE`). Heartbeats, pongs, subscription statuses and
 *   system statuses become their v2 counterparts so the frames also exercise the non-book parse paths.
 * It also writes `instruments.json`: the price/qty decimals of each pair as observed in the v1 strings (checked to
 * be the same on every level of the pair), for tests that trim the tokens the way Kraken v2 does and pad them back.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const realdata = process.argv[2];
if (realdata === undefined) {
  console.error('usage: node scripts/kraken-v1-to-v2.mjs <captures dir> [out dir]');
  process.exit(2);
}
const outDir = process.argv[3] ?? new URL('../fixtures/kraken/v2-from-v1/', import.meta.url).pathname;

const SOURCES = [
  {
    out: 'pykraken-orderbook-v1.v2.jsonl',
    file: 'python-kraken-sdk/90cf23d9fc744909f8092ae92c606ab34fad07f6/tests/spot/fixture/orderbook-v1.json',
    kind: 'init-updates',
  },
  {
    out: 'pykraken-orderbook.v2.jsonl',
    file: 'python-kraken-sdk/d5a3d7cb2ef8ba5aef19fff366ec7d7e2bf60db4/tests/spot/fixture/orderbook.json',
    kind: 'init-updates',
  },
  { out: 'gct-book10.v2.jsonl', file: 'gocryptotrader/extracted/kraken_v1_book10_inline.jsonl', kind: 'jsonl' },
  {
    // depth 1000, the whole capture: every book frame of its ten pairs
    out: 'cryptofeed-book1000.v2.jsonl',
    file: 'cryptofeed/ce58c2a0015040aa2271e80bac783d74fa2cdcff/sample_data/KRAKEN.ws.50.0',
    kind: 'cryptofeed',
  },
];

const LEGACY = { XBT: 'BTC', XDG: 'DOGE' };
const v2Symbol = (pair) =>
  pair
    .split('/')
    .map((a) => LEGACY[a] ?? a)
    .join('/');

const DECIMAL = /^\d+(\.\d+)?$/;
const decimals = (s) => (s.includes('.') ? s.length - s.indexOf('.') - 1 : 0);

/** pair → { price:Set, qty:Set } of observed decimals */
const precisions = new Map();
function observe(pair, price, qty) {
  const p = precisions.get(pair) ?? { price: new Set(), qty: new Set() };
  p.price.add(decimals(price));
  p.qty.add(decimals(qty));
  precisions.set(pair, p);
}

/** `[price, qty, ts, ("r")?]` → raw-token JSON text. The strings are checked to be plain decimals, then copied. */
function levelsJson(levels, pair) {
  return `[${levels
    .map(([price, qty]) => {
      if (!DECIMAL.test(price) || !DECIMAL.test(qty)) throw new Error(`not a plain decimal: ${price} ${qty}`);
      observe(pair, price, qty);
      return `{"price":${price},"qty":${qty}}`;
    })
    .join(',')}]`;
}

/** `"1693415330.621700"` → `"2023-08-30T17:08:50.621700Z"` (microseconds kept, no float). */
function isoMicros(ts) {
  const [sec, frac = ''] = ts.split('.');
  const iso = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${iso}.${frac.padEnd(6, '0').slice(0, 6)}Z`;
}
function newest(levels) {
  let best;
  for (const l of levels) if (best === undefined || Number(l[2]) > Number(best)) best = l[2];
  return best;
}

function convertBook(frame) {
  const pair = frame[frame.length - 1];
  const symbol = v2Symbol(pair);
  const parts = frame.slice(1, frame.length - 2);
  let asks = [];
  let bids = [];
  let checksum;
  let snapshot = false;
  for (const p of parts) {
    if (p.as !== undefined || p.bs !== undefined) snapshot = true;
    asks = asks.concat(p.as ?? p.a ?? []);
    bids = bids.concat(p.bs ?? p.b ?? []);
    if (p.c !== undefined) checksum = p.c;
  }
  let text = `{"channel":"book","type":"${snapshot ? 'snapshot' : 'update'}","data":[{"symbol":"${symbol}","bids":${levelsJson(bids, symbol)},"asks":${levelsJson(asks, symbol)}`;
  if (checksum !== undefined) {
    if (!/^\d+$/.test(checksum)) throw new Error(`bad checksum ${checksum}`);
    text += `,"checksum":${checksum}`;
  }
  if (!snapshot) text += `,"timestamp":"${isoMicros(newest(asks.concat(bids)))}"`;
  return { text: `${text}}]}`, checksum: checksum !== undefined };
}

function convert(frame) {
  if (Array.isArray(frame)) return convertBook(frame);
  switch (frame.event) {
    case 'heartbeat':
      return { text: '{"channel":"heartbeat"}' };
    case 'pong':
      return { text: `{"method":"pong","req_id":${frame.reqid}}` };
    case 'systemStatus':
      return { text: `{"channel":"status","type":"update","data":[{"api_version":"v2","system":"${frame.status}","version":"${frame.version}"}]}` };
    case 'subscriptionStatus':
      return {
        text: `{"method":"subscribe","result":{"channel":"book","depth":${frame.subscription.depth},"snapshot":true,"symbol":"${v2Symbol(frame.pair)}"},"success":true}`,
      };
    default:
      throw new Error(`unhandled v1 frame ${JSON.stringify(frame).slice(0, 80)}`);
  }
}

/**
 * cryptofeed sample format: `<ts>: <frame>` per received frame (`wss://… <-` lines are sent frames, `<->` connects).
 * Keeps the book frames and subscription statuses of `pairs` (all when undefined), and the heartbeats.
 */
function cryptofeedFrames(raw, pairs) {
  const out = [];
  for (const line of raw.split('\n')) {
    if (line === '' || line.startsWith('wss://')) continue;
    const frame = JSON.parse(line.slice(line.indexOf(': ') + 2));
    const keep = (pair) => pairs === undefined || pairs.includes(pair);
    if (Array.isArray(frame) ? keep(frame[frame.length - 1]) : frame.event === 'heartbeat' || keep(frame.pair)) {
      out.push(frame);
    }
  }
  return out;
}

mkdirSync(outDir, { recursive: true });
for (const src of SOURCES) {
  const raw = readFileSync(join(realdata, src.file), 'utf8');
  // parsing the v1 file with JSON.parse is safe: every v1 price/qty is a JSON *string*
  const frames =
    src.kind === 'jsonl'
      ? raw.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l))
      : src.kind === 'cryptofeed'
        ? cryptofeedFrames(raw, src.pairs)
        : (() => {
          const d = JSON.parse(raw);
          // `init` is either a list of frames or one v1 book frame (an array starting with the channel id)
          const init = typeof d.init[0] === 'number' ? [d.init] : d.init;
          return [...init, ...d.updates];
        })();
  const lines = [];
  let checksums = 0;
  for (const f of frames) {
    const c = convert(f);
    if (c.checksum) checksums++;
    lines.push(c.text);
  }
  writeFileSync(join(outDir, src.out), `${lines.join('\n')}\n`);
  console.log(`${src.out}: ${frames.length} frames, ${checksums} with a checksum`);
}

const instruments = {};
for (const [pair, p] of [...precisions].sort()) {
  if (p.price.size !== 1 || p.qty.size !== 1) throw new Error(`${pair}: mixed decimals ${[...p.price]} / ${[...p.qty]}`);
  instruments[pair] = { pricePrecision: [...p.price][0], qtyPrecision: [...p.qty][0] };
}
writeFileSync(join(outDir, 'instruments.json'), `${JSON.stringify(instruments, null, 2)}\n`);
console.log('instruments.json', JSON.stringify(instruments));
