#!/usr/bin/env node
/**
 * OrderBook apply alone, on the simulator's Binance diffs (the same market model and seed as `bench/run.mjs`):
 * `node bench/book-apply.mjs [--symbols 20] [--diffs 20000] [--passes 5]` prints CPU µs per diff (min over passes)
 * and checks every book against the simulator's truth at the end. Run after `npm run build`.
 */
import { SimMarket } from '../dist/sim/market.js';
import { resolveSpecs } from '../dist/sim/symbols.js';
import { OrderBook } from '../dist/book/order-book.js';
import { SYMBOLS_20 } from './lib/sim-driver.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const nSym = arg('symbols', 20);
const perSym = arg('diffs', nSym === 1 ? 200_000 : 20_000);
const passes = arg('passes', 5);
const symbols = SYMBOLS_20.slice(0, nSym);

const market = new SimMarket({ seed: 7, symbols: resolveSpecs(symbols), historySize: 16 });
const snaps = symbols.map((s) => market.book(s));
// interleaved like the bench's burst: one diff per symbol in turn
const diffs = [];
for (let i = 0; i < perSym; i++) for (let k = 0; k < nSym; k++) diffs.push([k, market.step(symbols[k])]);
const truths = symbols.map((s) => market.book(s));

let best = Infinity;
let books;
for (let p = 0; p < passes; p++) {
  books = snaps.map((s) => {
    const b = new OrderBook();
    b.applySnapshot(s.bids, s.asks);
    return b;
  });
  const t0 = process.cpuUsage();
  for (let i = 0; i < diffs.length; i++) {
    const [k, d] = diffs[i];
    books[k].applyLevels(d.bids, d.asks);
  }
  const t = process.cpuUsage(t0);
  best = Math.min(best, (t.user + t.system) / diffs.length);
}
for (let k = 0; k < nSym; k++) {
  const got = books[k].snapshot();
  const want = truths[k];
  if (JSON.stringify(got.bids) !== JSON.stringify(want.bids) || JSON.stringify(got.asks) !== JSON.stringify(want.asks))
    throw new Error(`book ${symbols[k]} differs from the truth`);
}
console.log(`${nSym} × ${perSym}: ${best.toFixed(3)} µs/diff (min of ${passes}), books equal the truth`);
