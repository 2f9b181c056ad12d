/**
 * tickwire through the README's documented book path: `stream(…).books()` — read-only views of the hub's own
 * verified books — reading the best bid and ask on every trusted update (what the README's example does).
 * `TW_DIST` loads another build's `dist/`.
 */
import { runClient } from '../lib/harness.mjs';

const { stream } = await import(`${process.env.TW_DIST ?? '../../dist'}/index.js`);

let sub;
const bySymbol = new Map(); // unified → native
const latest = new Map(); // native → LiveBook
let reads = 0;

runClient({
  start(cfg, ctx) {
    cfg.symbols.forEach((s, i) => bySymbol.set(s, cfg.natives[i]));
    const live = new Set();
    sub = stream({
      markets: cfg.symbols.map((s) => `binance:${s}`),
      channels: ['book'],
      endpoints: { binance: { ws: cfg.ws, rest: cfg.rest } },
    })
      .books()
      .subscribe((lb) => {
        const native = bySymbol.get(lb.symbol);
        latest.set(native, lb);
        if (!lb.trusted) return;
        if (lb.book.bestBid() !== undefined && lb.book.bestAsk() !== undefined) reads++;
        ctx.updated(native, lb.updateId);
        if (live.size < cfg.symbols.length) {
          live.add(lb.symbol);
          if (live.size === cfg.symbols.length) ctx.ready();
        }
      });
  },
  currentId(native) {
    return latest.get(native)?.updateId;
  },
  book(native) {
    const lb = latest.get(native);
    const top = lb.book.top(10);
    return { updateId: lb.updateId, state: lb.trusted ? 'live' : 'untrusted', bids: top.bids, asks: top.asks };
  },
  extra: () => ({ reads }),
  stop() {
    sub?.unsubscribe();
  },
});
