/**
 * Book topics served as a top-N window of the true book, for a protocol to use (src/sim/gateio-server.ts; Bybit's
 * `orderbook.N` in ./bybit-server.ts works the same way): the window is shared by the topic's subscribers and opened at
 * the current book; a push lists the levels that changed inside it and `"0"` for the levels that left it, `U` = the
 * last push's `u` + 1 and `u` = the book's change id. This file decides which pushes are due and applies the diff
 * faults (`drop-diff`: nothing sent, ids advance; `garbage-diff`: the frame cut in half; `garbage-frame`: an
 * unparseable frame after the push, taken only when a push goes out); the frame itself is the protocol's.
 */
import type { Level } from '../schema/events.js';
import { BookWindow } from './bybit-render.js';
import type { SimMarket } from './market.js';
import type { SimServer } from './server.js';
import type { SimBook } from './types.js';

export interface WindowTopic {
  readonly topic: string;
  readonly symbol: string;
  readonly depth: number;
  /** Push period (ms): a push goes out at most this often. */
  readonly intervalMs: number;
  readonly window: BookWindow;
  /** Pushes sent or dropped so far. */
  pushes: number;
}

/** One push: the window's change, its ids and the whole top-N book it moves to. */
export interface WindowPush {
  b: Level[];
  a: Level[];
  U: number;
  u: number;
  book: SimBook;
}

export class WindowTopics {
  private readonly topics = new Map<string, WindowTopic>();

  constructor(private readonly market: SimMarket) {}

  /** The topic's window; a new one opened at the current book. */
  open(topic: string, symbol: string, depth: number, intervalMs: number): WindowTopic {
    let t = this.topics.get(topic);
    if (t === undefined) {
      const book = this.market.book(symbol, depth);
      const window = new BookWindow(depth);
      window.reset(book.bids, book.asks, book.updateId);
      window.lastSentAt = Date.now();
      this.topics.set(topic, (t = { topic, symbol, depth, intervalMs, window, pushes: 0 }));
    }
    return t;
  }

  /** Forget the topics nobody subscribes any more (a later subscriber starts from the current book). */
  forgetIdle(server: SimServer): void {
    for (const t of this.topics.keys()) if (!server.hasSubscribers(t)) this.topics.delete(t);
  }

  /** The deepest subscribed topic of `symbol` (a REST snapshot can stand at its last push). */
  deepest(server: SimServer, symbol: string): WindowTopic | undefined {
    return [...this.topics.values()].filter((t) => t.symbol === symbol && server.hasSubscribers(t.topic)).sort((x, y) => y.depth - x.depth)[0];
  }

  /**
   * After a market step of `symbol`: every subscribed topic of it that is due (its interval passed, or `force`) and
   * whose window changed gets its push, rendered by `render` and published.
   */
  push(server: SimServer, symbol: string, now: number, force: boolean, render: (t: WindowTopic, p: WindowPush) => string): void {
    for (const t of this.topics.values()) {
      if (t.symbol !== symbol || !server.hasSubscribers(t.topic)) continue;
      if (!force && now - t.window.lastSentAt < t.intervalMs) continue;
      const book = this.market.book(symbol, t.depth);
      const { b, a } = t.window.diff(book.bids, book.asks);
      if (b.length === 0 && a.length === 0) continue;
      const fault = server.takeDiffFault(t.topic, symbol);
      const U = t.window.u + 1;
      t.pushes++;
      t.window.reset(book.bids, book.asks, book.updateId);
      t.window.lastSentAt = now;
      if (fault !== 'drop') {
        // the protocol's own faults wait for a push that goes out: render only now
        const frame = render(t, { b, a, U, u: book.updateId, book });
        server.publish(t.topic, symbol, () => (fault === 'garbage' ? frame.slice(0, Math.floor(frame.length / 2)) : frame));
      }
      if (server.takeGarbageFrame(t.topic, symbol)) server.publish(t.topic, symbol, () => '<<sim garbage>>');
    }
  }
}
