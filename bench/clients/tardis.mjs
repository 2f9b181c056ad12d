/**
 * tardis-dev: streamNormalized + normalizeBookChanges + its OrderBook, with its Binance real-time feed's URLs
 * replaced (setRealTimeFeedFactory) by the simulator's. Book changes carry no update id, so completion is counted:
 * every diff of the burst is one book_change.
 */
import { createRequire } from 'node:module';
import { runClient } from '../lib/harness.mjs';

const require = createRequire(import.meta.url);
const tardis = require('tardis-dev');
const { BinanceRealTimeFeed } = require('tardis-dev/dist/realtimefeeds/binance.js');

const books = new Map();
let stopped = false;

runClient({
  countBased: true,
  async start(cfg, ctx) {
    class SimFeed extends BinanceRealTimeFeed {
      constructor(...args) {
        super(...args);
        this.wssURL = `${cfg.ws}/stream?timeUnit=microsecond`;
        this.httpURL = `${cfg.rest}/api/v3`;
      }
    }
    tardis.setRealTimeFeedFactory('binance', SimFeed);
    const symbols = cfg.natives.map((n) => n.toLowerCase());
    for (const n of cfg.natives) books.set(n, new tardis.OrderBook());
    const seen = new Set();
    const messages = tardis.streamNormalized({ exchange: 'binance', symbols }, tardis.normalizeBookChanges);
    for await (const m of messages) {
      if (stopped) break;
      if (m.type !== 'book_change') continue;
      const n = m.symbol.toUpperCase();
      books.get(n).update(m);
      if (m.isSnapshot) {
        seen.add(n);
        if (seen.size === cfg.natives.length) ctx.ready();
      } else ctx.counted();
    }
  },
  book(n) {
    const b = books.get(n);
    const bids = [];
    const asks = [];
    for (const l of b.bids()) {
      if (bids.length === 10) break;
      bids.push([l.price, l.amount]);
    }
    for (const l of b.asks()) {
      if (asks.length === 10) break;
      asks.push([l.price, l.amount]);
    }
    return { bids, asks };
  },
  stop() {
    stopped = true;
  },
});
