#!/usr/bin/env node
/**
 * CRC-32 of exchange checksum strings: tickwire's `crc32` (Node's `zlib.crc32`) against the table-driven JS
 * implementation it replaced. Inputs are the strings the adapters actually hash: Kraken's top-10 concatenation
 * (~200 ASCII chars) and OKX's 25-level `px:sz:…` join (~700 chars), built from a seeded random book.
 * `node bench/crc32.mjs [--iterations 200000] [--passes 5]` prints ns per call (min over passes) and checks that
 * both implementations agree on every input. Run after `npm run build`.
 */
import { crc32 } from '../dist/util/crc32.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const iterations = arg('iterations', 200_000);
const passes = arg('passes', 5);

const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c >>> 0;
}
function tableCrc32(text) {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

let seed = 42; // mulberry32
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const level = (mid, i, side) => [(mid + side * (i + 1) * 0.1).toFixed(1), (rand() * 10).toFixed(8)];
function krakenString() {
  const mid = 40_000 + rand() * 1000;
  const strip = (s) => s.replace('.', '').replace(/^0+/, '');
  let out = '';
  for (let i = 0; i < 10; i++) out += level(mid, i, 1).map(strip).join('');
  for (let i = 0; i < 10; i++) out += level(mid, i, -1).map(strip).join('');
  return out;
}
function okxString() {
  const mid = 40_000 + rand() * 1000;
  const parts = [];
  for (let i = 0; i < 25; i++) parts.push(...level(mid, i, -1), ...level(mid, i, 1));
  return parts.join(':');
}
const inputs = { kraken: Array.from({ length: 64 }, krakenString), okx: Array.from({ length: 64 }, okxString) };

for (const [name, strings] of Object.entries(inputs)) {
  for (const s of strings) if (crc32(s) !== tableCrc32(s)) throw new Error(`${name}: implementations disagree on ${s}`);
  const len = Math.round(strings.reduce((n, s) => n + s.length, 0) / strings.length);
  const row = {};
  for (const [impl, fn] of [['zlib.crc32', crc32], ['table', tableCrc32]]) {
    let best = Infinity;
    let sink = 0;
    for (let p = 0; p < passes; p++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iterations; i++) sink ^= fn(strings[i & 63]);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / iterations);
      if (sink === 0.5) console.log(sink); // keeps the loop observable
    }
    row[impl] = best;
  }
  console.log(
    `${name} (~${len} chars): zlib.crc32 ${row['zlib.crc32'].toFixed(0)} ns/call, table ${row.table.toFixed(0)} ns/call, ` +
      `${(row.table / row['zlib.crc32']).toFixed(2)}x`,
  );
}
