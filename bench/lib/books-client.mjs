/**
 * One bench client over maintained books, whichever API builds them: `books$(events$, tw)` turns tickwire's
 * `stream(…)` into a stream of `{ symbol, book, trusted, updateId }` (`.books()` — the hub's own verified books — or
 * `.pipe(books())` — a second copy rebuilt from the events). Reads the best bid and ask on every trusted update, as the
 * README's example does. `TW_DIST` loads another build's `dist/`.
 */
import { runClient } from './harness.mjs';

export async function runBooksClient(books$) {
  const tw = await import(`${process.env.TW_DIST ?? '../../dist'}/index.js`);
  let sub;
  const bySymbol = new Map(); // unified → native
  const latest = new Map(); // native → the latest maintained book
  let reads = 0;
  let unsound = 0;

  runClient({
    start(cfg, ctx) {
      cfg.symbols.forEach((s, i) => bySymbol.set(s, cfg.natives[i]));
      const live = new Set();
      const events$ = tw.stream({
        markets: cfg.symbols.map((s) => `binance:${s}`),
        channels: ['book'],
        endpoints: { binance: { ws: cfg.ws, rest: cfg.rest } },
      });
      sub = books$(events$, tw).subscribe((m) => {
        const native = bySymbol.get(m.symbol);
        latest.set(native, m);
        if (!m.trusted) {
          if (ctx.armed) unsound++; // an untrusted update while measuring (bench/run.mjs fails such a run)
          return;
        }
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
    extra: () => ({ reads, unsound }),
    /** Per book: the update id it is at, whether the last update was trusted, how far from the target. */
    diag(targets) {
      const out = {};
      for (const [native, m] of latest) {
        const target = targets?.[native];
        out[native] = { at: m.updateId, trusted: m.trusted, ...(target !== undefined ? { behind: target - m.updateId } : {}) };
      }
      return { unsound, reads, books: out };
    },
    stop() {
      sub?.unsubscribe();
    },
  });
}
