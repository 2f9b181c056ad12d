#!/usr/bin/env node
/**
 * The CLI's serializer alone (JsonBytes with the level spans, as `tickwire stream` runs it) on the Binance deltas of a
 * capture: each frame is scanned (the spans are valid for it only), its event built, then written 20 times; the CPU
 * clock around the writes, per write. Builds alternate pass by pass (passes 1–2 are warm-up).
 *
 *   CAPTURE_FILE=/tmp/f20.bin node bench/run.mjs --rounds 1 --clients capture --configs 20x20k --no-latency
 *   node bench/json-write.mjs /tmp/f20.bin DIST_A/dist DIST_B/dist
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
const [file, ...dirs] = process.argv.slice(2);
const dists = dirs.map((d) => pathToFileURL(resolve(d)).href);
const raw = readFileSync(file);
const frames = [];
for (let o = 0; o < raw.length && frames.length < 5000; ) { const n = raw.readUInt32LE(o); frames.push(raw.subarray(o + 4, o + 4 + n)); o += 4 + n; }
const texts = frames.map((b) => b.toString());
const builds = [];
for (const d of dists) {
  const { JsonBytes } = await import(`${d}/sinks/json-bytes.js`);
  const { LevelSpans } = await import(`${d}/book/level-spans.js`);
  const { DepthScanner } = await import(`${d}/exchanges/binance/scan.js`);
  const { spellRemovalsZero } = await import(`${d}/book/decimal-string.js`);
  const spans = new LevelSpans();
  builds.push({ d, sc: new DepthScanner(spans), jb: new JsonBytes(Buffer.allocUnsafeSlow(1 << 20), spans), spellRemovalsZero, t: [] });
}
const K = 20;
function pass(b) {
  let total = 0; let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const m = b.sc.scan(texts[i], frames[i]);
    if (!m) continue;
    b.spellRemovalsZero(m.bids); b.spellRemovalsZero(m.asks);
    const e = { type: 'book_delta', exchange: 'binance', symbol: 'BTC/USDT', market: m.market, localTime: 1796678147983660 + i, integrity: 'chained', bids: m.bids, asks: m.asks, exchangeTime: m.exchangeTime, updateId: m.updateId, firstUpdateId: m.firstUpdateId, seq: i, epoch: 'hovajoc6h8' };
    const t0 = process.cpuUsage();
    for (let k = 0; k < K; k++) { if (at > (1 << 20) - 10000) at = 0; at = b.jb.write(e, at); }
    const u = process.cpuUsage(t0); total += u.user + u.system;
  }
  return (total * 1000) / (frames.length * K);
}
for (let r = 0; r < 12; r++) for (const b of (r & 1 ? [...builds].reverse() : builds)) b.t.push(pass(b));
for (const b of builds) { const t = b.t.slice(2).sort((x, y) => x - y); console.log(b.d, 'min', t[0].toFixed(0), 'median', t[t.length >> 1].toFixed(0), 'ns/write'); }
