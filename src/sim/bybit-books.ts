/**
 * The simulated Bybit order book topics `orderbook.{1,50,200,1000}.X` (docs/protocols/bybit.md#book): per topic the
 * window of the book its subscribers were sent and the wire `u` (./bybit-ids.ts); a snapshot for a new subscriber,
 * deltas on each step with the diff faults (`bybit-u-decrease`, `bybit-absent-deletes`, drop/garbage), level 1
 * re-pushed when unchanged, a service restart, and the true book at a wire `u`.
 */
import { firstTopicU, TopicIds } from './bybit-ids.js';
import { absentPrices, bookFrame, BookWindow, type BybitSimCategory } from './bybit-render.js';
import { faultSymbol } from './faults.js';
import type { SimMarket } from './market.js';
import type { SimServer } from './server.js';
import type { SimConnection } from './sim-connection.js';
import type { SimBook, SimFault } from './types.js';

interface BookTopic {
  symbol: string;
  market: string;
  window: BookWindow;
  ids: TopicIds;
}

export class BybitBooks {
  /** Windows of the subscribed topics. */
  private readonly topics = new Map<string, BookTopic>();
  /** Wire `u` per book topic; kept while the topic is idle (bounded: symbols × depths). */
  private readonly ids = new Map<string, TopicIds>();

  constructor(
    private readonly market: SimMarket,
    private readonly category: BybitSimCategory,
    /** Recent `u` kept per topic (the market's history size). */
    private readonly historySize: number,
  ) {}

  /** A new subscriber's snapshot: the window as last published (none under `bybit-missing-snapshot`). */
  subscribed(server: SimServer, conn: SimConnection, topic: string, symbol: string, market: string, depth: number, now: number): void {
    const bt = this.topic(topic, symbol, market, depth);
    const skip = server.faults.take('bybit-missing-snapshot', (f) => faultSymbol(f) === symbol);
    if (skip !== undefined) return;
    const { b, a } = bt.window.ladder();
    conn.sendData(bookFrame(topic, 'snapshot', market, b, a, bt.window.u, this.market.lastId(symbol), now, this.category), symbol);
  }

  /** Drop the windows nobody listens to (a later subscriber starts from the current book; the ids are kept). */
  forgetIdle(server: SimServer): void {
    for (const t of this.topics.keys()) if (!server.hasSubscribers(t)) this.topics.delete(t);
  }

  /** The topic's window and ids, made from the current book for its first subscriber. */
  private topic(topic: string, symbol: string, market: string, depth: number): BookTopic {
    let bt = this.topics.get(topic);
    if (bt === undefined) {
      const book = this.market.book(symbol, depth);
      const changeId = this.market.lastId(symbol);
      let ids = this.ids.get(topic);
      if (ids === undefined) {
        ids = new TopicIds(symbol, depth, firstTopicU(depth, changeId), changeId, this.historySize);
        this.ids.set(topic, ids);
      } else ids.next(changeId); // a new window of a known topic: its snapshot is a new message
      const window = new BookWindow(depth);
      window.reset(book.bids, book.asks, ids.u);
      window.lastSentAt = Date.now();
      bt = { symbol, market, window, ids };
      this.topics.set(topic, bt);
    }
    return bt;
  }

  /** Step the symbol's book and send each subscribed depth its delta (level 1: a snapshot), with the diff faults. */
  step(server: SimServer, symbol: string): void {
    this.market.step(symbol);
    const topics = [...this.topics].filter(([t, bt]) => bt.symbol === symbol && server.hasSubscribers(t));
    if (topics.length === 0) return;
    const spec = this.market.spec(symbol);
    const now = Date.now();
    const seq = this.market.lastId(symbol);
    const changed = topics.flatMap(([topic, bt]) => {
      const book = this.market.book(symbol, bt.window.depth);
      const { b, a } = bt.window.diff(book.bids, book.asks);
      return b.length === 0 && a.length === 0 ? [] : [{ topic, bt, book, b, a }];
    });
    // per-frame faults are taken only now that frames are about to go out (not on a step whose change stayed outside
    // every subscribed depth, nor with nobody subscribed or the data silenced: such a fault would be lost)
    const sending = changed.map((c) => c.topic);
    const diffFault = server.takeDiffFault(sending, symbol);
    let decrease: SimFault | undefined;
    let absent: SimFault | undefined;
    const out: [topic: string, frame: string][] = [];
    for (const { topic, bt, book, b, a } of changed) {
      const w = bt.window;
      const prevU = w.u;
      const u = bt.ids.next(seq);
      let frame = '';
      if (diffFault === 'drop') {
        // lost: the ids advance, nothing is rendered
      } else if (w.depth === 1) {
        frame = bookFrame(topic, 'snapshot', bt.market, book.bids, book.asks, u, seq, now, this.category);
      } else {
        decrease ??= server.takeFrameFault('bybit-u-decrease', topic, symbol);
        absent ??= server.takeFrameFault('bybit-absent-deletes', topic, symbol);
        const wireU = decrease !== undefined ? Math.max(1, prevU - 3) : u;
        if (absent !== undefined) {
          const p = absentPrices(w, spec.tickDecimals);
          if (p !== undefined) {
            b.push([p.bid, '0']);
            a.push([p.ask, '0']);
          }
        }
        frame = bookFrame(topic, 'delta', bt.market, b, a, wireU, seq, now, this.category);
      }
      w.reset(book.bids, book.asks, u);
      w.lastSentAt = now;
      out.push([topic, frame]);
    }
    if (diffFault === 'drop') return;
    const garbage = server.takeGarbageFrame(sending, symbol);
    for (const [topic, frame] of out) {
      server.publish(topic, symbol, () => (diffFault === 'garbage' ? `{"topic":"${topic}","type":"delta","data":{` : frame));
    }
    if (garbage) for (const topic of sending) server.publish(topic, symbol, () => '<<sim garbage>>');
  }

  /** Level 1 is re-pushed (same `u`) when unchanged for `periodMs`. */
  repushLevel1(server: SimServer, periodMs: number): void {
    const now = Date.now();
    for (const [topic, bt] of this.topics) {
      const w = bt.window;
      if (w.depth !== 1 || now - w.lastSentAt < periodMs || !server.hasSubscribers(topic)) continue;
      w.lastSentAt = now;
      const { b, a } = w.ladder();
      const frame = bookFrame(topic, 'snapshot', bt.market, b, a, w.u, this.market.lastId(bt.symbol), now, this.category);
      server.publish(topic, bt.symbol, () => frame);
    }
  }

  /** Service restart: `u` restarts at 1 and every book topic of the symbol gets a fresh snapshot. */
  restart(server: SimServer, symbol: string): void {
    if (!this.market.has(symbol)) return;
    const changeId = this.market.lastId(symbol);
    for (const ids of this.ids.values()) if (ids.symbol === symbol) ids.restart(1, changeId);
    const now = Date.now();
    for (const [topic, bt] of this.topics) {
      if (bt.symbol !== symbol) continue;
      const book = this.market.book(symbol, bt.window.depth);
      bt.window.reset(book.bids, book.asks, 1);
      bt.window.lastSentAt = now;
      const frame = bookFrame(topic, 'snapshot', bt.market, book.bids, book.asks, 1, this.market.lastId(symbol), now, this.category);
      server.publish(topic, symbol, () => frame);
    }
  }

  /** The symbol's book topics, deepest first. */
  private topicIds(symbol: string): TopicIds[] {
    return [...this.ids.values()].filter((t) => t.symbol === symbol).sort((x, y) => y.depth - x.depth);
  }

  /** The true book now; `updateId` = the `u` of the deepest topic's last message (the change id if none). */
  trueBook(symbol: string): SimBook | undefined {
    if (!this.market.has(symbol)) return undefined;
    const b = this.market.book(symbol);
    const deepest = this.topicIds(symbol)[0];
    return deepest === undefined ? b : { ...b, updateId: deepest.u };
  }

  /** The true book the message with wire `u` = `updateId` showed (of the deepest topic that sent that `u`; with no topic, at change id `updateId`). */
  trueBookAt(symbol: string, updateId: number): SimBook | undefined {
    if (!this.market.has(symbol)) return undefined;
    const topics = this.topicIds(symbol);
    // no topic subscribed yet: ids are the market's change ids, as trueBook gives them then
    if (topics.length === 0) return this.market.bookAt(symbol, updateId);
    for (const t of topics) {
      const changeId = t.changeAt(updateId);
      if (changeId === undefined) continue;
      const b = this.market.bookAt(symbol, changeId);
      return b === undefined ? undefined : { ...b, updateId };
    }
    return undefined;
  }
}
