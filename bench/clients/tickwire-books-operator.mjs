/**
 * tickwire's previous README path, for comparison: `stream(…).pipe(books())`, which rebuilds a second copy of every
 * book from the events (the path for events that do not come from a local hub: NATS, a recording, a remote
 * server). Reads the best bid and ask on every trusted update, like `tickwire-books.mjs`.
 */
import { runClient } from '../lib/harness.mjs';

const { stream, books } = await import(`${process.env.TW_DIST ?? '../../dist'}/index.js`);

let sub;
const bySymbol = new Map();
const latest = new Map();
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
      .pipe(books())
      .subscribe((m) => {
        const native = bySymbol.get(m.symbol);
        latest.set(native, m);
        if (!m.trusted) return;
        if (m.book.bestBid() !== undefined && m.book.bestAsk() !== undefined) reads++;
        ctx.updated(native, m.updateId);
        if (live.size < cfg.symbols.length) {
          live.add(m.symbol);
          if (live.size === cfg.symbols.length) ctx.ready();
        }
      });
  },
  currentId(native) {
    return latest.get(native)?.updateId;
  },
  book(native) {
    const m = latest.get(native);
    const top = m.book.top(10);
    return { updateId: m.updateId, state: m.trusted ? 'live' : 'untrusted', bids: top.bids, asks: top.asks };
  },
  extra: () => ({ reads }),
  stop() {
    sub?.unsubscribe();
  },
});
