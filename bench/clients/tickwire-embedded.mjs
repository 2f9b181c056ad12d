/**
 * tickwire through its embedded API: stream() with books maintained, every event delivered to a subscriber.
 * `TW_DIST` loads another build's `dist/` (A/B runs).
 */
import { runClient } from '../lib/harness.mjs';

const { stream } = await import(`${process.env.TW_DIST ?? '../../dist'}/index.js`);

let hub;
let sub;
const bySymbol = new Map(); // unified → native
const statuses = {};
let unsound = 0; // gap/resync/error statuses while measuring (bench/run.mjs fails such a run)

runClient({
  start(cfg, ctx) {
    cfg.symbols.forEach((s, i) => bySymbol.set(s, cfg.natives[i]));
    const live = new Set();
    const events = stream({
      markets: cfg.symbols.map((s) => `binance:${s}`),
      channels: ['book'],
      endpoints: { binance: { ws: cfg.ws, rest: cfg.rest } },
      onHub: (h) => (hub = h),
    });
    sub = events.subscribe((e) => {
      if (e.type === 'book_delta' || e.type === 'book_snapshot') {
        if (e.updateId !== undefined) ctx.updated(bySymbol.get(e.symbol), e.updateId);
      } else if (e.type === 'status') {
        if (ctx.armed) {
          statuses[`${e.state}:${e.code}`] = (statuses[`${e.state}:${e.code}`] ?? 0) + 1;
          if (e.state !== 'live' && e.state !== 'reconciled' && e.state !== 'subscribed') unsound++;
        }
        if (e.scope !== 'stream' || e.state !== 'live' || e.symbol === undefined) return;
        live.add(e.symbol);
        if (live.size === cfg.symbols.length) ctx.ready();
      }
    });
  },
  currentId(native) {
    return hub.books().find((b) => b.market === native)?.updateId;
  },
  book(native) {
    const b = hub.books().find((v) => v.market === native);
    const top = b.sync.book.top(10);
    return { updateId: b.updateId, state: b.state, bids: top.bids, asks: top.asks };
  },
  extra: () => ({ statuses, unsound }),
  stop() {
    sub?.unsubscribe();
  },
});
