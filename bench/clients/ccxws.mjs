/**
 * ccxws BinanceClient pointed at the simulator. ccxws keeps no book: a PlainBook with Binance's splice rule
 * (buffer diffs until the REST snapshot, drop u <= lastUpdateId, then apply in order).
 * Its snapshot helper uses https.get only; it is swapped for a plain HTTP GET (same JSON result) — the bench's one
 * change to ccxws's path. restThrottleMs is lowered from 1000 to 50 so 20 snapshots do not take 20 s.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import { runClient } from '../lib/harness.mjs';
import { PlainBook } from '../lib/plain-book.mjs';

const require = createRequire(import.meta.url);
const Https = require('ccxws/dist/src/Https.js');
const { BinanceClient } = require('ccxws');

Https.get = (uri) =>
  new Promise((resolve, reject) => {
    http
      .get(uri, (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => {
          const body = Buffer.concat(parts).toString();
          if (res.statusCode !== 200) reject(new Error(body));
          else resolve(JSON.parse(body));
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });

const books = new Map();
let client;

runClient({
  start(cfg, ctx) {
    client = new BinanceClient({
      wssPath: `${cfg.ws}/stream`,
      restL2SnapshotPath: `${cfg.rest}/api/v3/depth`,
      restThrottleMs: 50,
      l2updateSpeed: '100ms',
    });
    client.on('error', () => undefined);
    const pending = new Map();
    for (const n of cfg.natives) {
      books.set(n, new PlainBook());
      pending.set(n, []);
    }
    let synced = 0;
    const applyUpdate = (n, book, u) => {
      if (u.lastSequenceId <= book.updateId) return;
      book.apply(
        u.bids.map((p) => [p.price, p.size]),
        u.asks.map((p) => [p.price, p.size]),
      );
      book.updateId = u.lastSequenceId;
      ctx.updated(n, book.updateId);
    };
    client.on('l2snapshot', (s, market) => {
      const n = market.id;
      const book = books.get(n);
      if (book.updateId !== undefined) return;
      book.snapshot(
        s.bids.map((p) => [p.price, p.size]),
        s.asks.map((p) => [p.price, p.size]),
        s.sequenceId,
      );
      for (const u of pending.get(n)) applyUpdate(n, book, u);
      pending.set(n, []);
      if (++synced === cfg.natives.length) ctx.ready();
    });
    client.on('l2update', (u, market) => {
      const n = market.id;
      const book = books.get(n);
      if (book.updateId === undefined) pending.get(n).push(u);
      else applyUpdate(n, book, u);
    });
    cfg.natives.forEach((n, i) => {
      const [base, quote] = cfg.symbols[i].split('/');
      client.subscribeLevel2Updates({ id: n, base, quote });
    });
  },
  currentId: (n) => books.get(n).updateId,
  book(n) {
    const b = books.get(n);
    return { updateId: b.updateId, ...b.top(10) };
  },
  stop: () => client?.close(),
});
