/**
 * ccxt pro: binance.watchOrderBookForSymbols with every binance.com URL rewritten to the simulator.
 * Bench-side quirks: loadHttpProxyAgent() so ccxt accepts ws:// URLs; options.fetchMarkets limited to spot (else it
 * also loads linear + inverse exchangeInfo from hosts the simulator does not serve). ccxt subscribes on the raw
 * `/ws` endpoint with a SUBSCRIBE message (its own path), so its frames are the raw-stream form of the same events.
 */
import { createRequire } from 'node:module';
import { runClient } from '../lib/harness.mjs';

const require = createRequire(import.meta.url);
const ccxt = require('ccxt');

let ex;
let stopped = false;
const nonce = new Map();

function rewrite(urls, ws, rest) {
  for (const [k, v] of Object.entries(urls)) {
    if (typeof v === 'string') {
      urls[k] = v.replace(/^wss:\/\/stream\.binance\.com(:9443)?/, ws).replace(/^https:\/\/api\.binance\.com/, rest);
    } else if (v && typeof v === 'object') rewrite(v, ws, rest);
  }
}

runClient({
  async start(cfg, ctx) {
    ex = new ccxt.pro.binance({ options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false } });
    rewrite(ex.urls, cfg.ws, cfg.rest);
    await ex.loadHttpProxyAgent();
    await ex.loadMarkets();
    const symbols = cfg.symbols;
    const toNative = new Map(symbols.map((s, i) => [s, cfg.natives[i]]));
    // watchOrderBookForSymbols resolves with one book per call: books updated in the same tick are read here
    const poll = setInterval(() => {
      for (const [s, n] of toNative) {
        const ob = ex.orderbooks[s];
        if (ob?.nonce !== undefined) ctx.updated(n, ob.nonce);
      }
    }, 20);
    poll.unref();
    while (!stopped) {
      const ob = await ex.watchOrderBookForSymbols(symbols);
      const n = toNative.get(ob.symbol);
      nonce.set(n, ob.nonce);
      ctx.updated(n, ob.nonce);
      if (nonce.size === symbols.length) ctx.ready();
    }
  },
  currentId(n) {
    const sym = Object.keys(ex.orderbooks).find((s) => s.replace('/', '') === n);
    return sym ? ex.orderbooks[sym].nonce : undefined;
  },
  book(n) {
    const sym = [...Object.keys(ex.orderbooks)].find((s) => s.replace('/', '') === n);
    const ob = ex.orderbooks[sym];
    return { updateId: ob.nonce, bids: ob.bids.slice(0, 10).map((l) => [l[0], l[1]]), asks: ob.asks.slice(0, 10).map((l) => [l[0], l[1]]) };
  },
  async stop() {
    stopped = true;
    await ex?.close();
  },
});
