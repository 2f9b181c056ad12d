/**
 * Coinbase Advanced Trade protocol server (`coinbase`, docs/protocols/coinbase.md#advanced-trade) on the generic framework.
 *
 * WS on any path: `{"type":"subscribe"|"unsubscribe","channel":…,"product_ids":[…],"jwt"?}` — one channel per
 * message (`channels` plural is refused). Channels: `level2` (frames on `l2_data`: a `snapshot` of the whole book
 * on subscribe, then `update`s, asks as `"offer"`), `ticker` (on every top-of-book change), `market_trades`
 * (`side` = MAKER side; a `snapshot` of recent trades on subscribe) and `heartbeats` (1/s, per-connection counter).
 * Every frame carries `sequence_num`, one counter per connection across all channels (acks too); errors are bare
 * `{"type":"error","message":…}`. A connection subscribed to data but not to `heartbeats` has its channels
 * closed (silently unsubscribed) after `closeWithoutHeartbeatsMs` (real: 60–90 s).
 * REST (coinbase-rest.ts): `/api/v3/brokerage/market/product_book?product_id=&limit=`,
 * `/api/v3/brokerage/market/products`. Frames: coinbase-render.ts.
 *
 * Faults (besides the framework's): `sequence-gap` {symbol?, skip?: numbers skipped, default 1} — the next frame
 * to a matching connection skips sequence numbers; `drop-diff` {symbol} — an l2_data update lost in transit (its
 * sequence number is consumed → a gap); `silent-drop` {symbol} — an update never sent and no sequence consumed
 * (only the REST cross-check can find it); `garbage-diff` {symbol}; `missing-heartbeat` {symbol?} — heartbeats
 * stop until cleared (and, as without a heartbeats subscription, the data channels of the connections it aims at
 * close after `closeWithoutHeartbeatsMs`); `delete-absent` {symbol} — the next update also deletes a level that is not in the book;
 * `ghost-level` {symbol} — the next update also carries a bid the true book does not have (only the REST
 * cross-check can find it); `error-reply` {message?} — the next subscribe is refused with an error.
 * Sim choices where the docs say nothing: an unknown product gets `{"type":"error","message":"Failed to
 * subscribe","reason":"X is not a valid product"}`; ticker frames follow book changes; no WebSocket pings.
 */
import {
  absentPrice,
  aimsAt,
  faultText,
  ghostBid,
  iso,
  products,
  stringList,
  type CoinbaseSimBaseOptions,
  type SimProduct,
} from './coinbase-common.js';
import { requestObject } from './request-json.js';
import { envelope, errorFrame, heartbeatEvent, l2Updates, subscriptionsEvent, tickerFields, tradeWire } from './coinbase-render.js';
import { advancedTradeRest, advancedTradeRestFault } from './coinbase-rest.js';
import { SimMarket } from './market.js';
import { subSeed } from './prng.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimServer } from './server.js';
import type { SimBook, SimDiff, SimFault } from './types.js';

export interface CoinbaseSimOptions extends CoinbaseSimBaseOptions {
  /** Data channels of a connection without a heartbeats subscription close after this long (ms). Default 75 000. */
  closeWithoutHeartbeatsMs?: number;
}

const CHANNELS = ['level2', 'ticker', 'ticker_batch', 'market_trades', 'heartbeats', 'candles', 'status'] as const;
const ONE_SHOT = new Set(['sequence-gap', 'silent-drop', 'delete-absent', 'ghost-level', 'error-reply']);
const SERVED = new Set(['level2', 'ticker', 'market_trades', 'heartbeats']);

interface ConnState {
  seq: number;
  heartbeatCounter: number;
  subscribed: boolean;
  /** Since when the connection has data subscriptions but no heartbeats subscription. */
  noHeartbeatsSince: number | undefined;
}

export class CoinbaseProtocol implements SimProtocol {
  readonly exchange = 'coinbase' as const;
  readonly pingIntervalMs = 0;
  readonly maxIncomingPerSec: number;
  readonly market: SimMarket;
  private server: SimServer | undefined;
  private readonly products: Map<string, SimProduct>;
  private readonly bySymbol = new Map<string, SimProduct>();
  private readonly conns = new WeakMap<SimConnection, ConnState>();

  constructor(private readonly opts: CoinbaseSimOptions) {
    this.maxIncomingPerSec = opts.maxIncomingPerSec ?? 10;
    this.market = new SimMarket({
      seed: subSeed(opts.seed, 'coinbase'),
      symbols: opts.symbols,
      levels: opts.levels ?? 200,
      historySize: opts.historySize ?? 50_000,
    });
    this.products = products(opts.symbols);
    for (const p of this.products.values()) this.bySymbol.set(p.spec.symbol, p);
  }

  start(server: SimServer): void {
    this.server = server;
    server.every(this.opts.intervalMs ?? 100, () => {
      for (const p of this.products.values()) this.publishDiff(p, this.market.step(p.spec.symbol));
    });
    server.every(this.opts.tradeIntervalMs ?? 250, () => {
      for (const p of this.products.values()) this.publishTrade(p);
    });
    server.every(this.opts.heartbeatIntervalMs ?? 1000, () => this.heartbeats());
    const closeMs = this.opts.closeWithoutHeartbeatsMs ?? 75_000;
    server.every(Math.max(10, Math.min(1000, Math.floor(closeMs / 4))), () => this.closeIdleChannels(closeMs));
  }

  // ---- frames ----
  private state(conn: SimConnection): ConnState {
    let s = this.conns.get(conn);
    if (s === undefined) {
      s = { seq: 0, heartbeatCounter: 0, subscribed: false, noHeartbeatsSince: undefined };
      this.conns.set(conn, s);
    }
    return s;
  }

  /** The next sequence number of a connection (a `sequence-gap` fault skips some). */
  private nextSeq(conn: SimConnection): number {
    const st = this.state(conn);
    const gap = this.server?.faults.take('sequence-gap', aimsAt(conn));
    if (gap !== undefined) {
      const n = (gap as Record<string, unknown>)['skip'];
      st.seq += typeof n === 'number' && n > 0 ? n : 1;
    }
    return st.seq++;
  }

  private envelope(conn: SimConnection, channel: string, events: unknown[]): string {
    return envelope(channel, this.nextSeq(conn), events);
  }

  /** A data frame to one connection; the sequence number is consumed only when the frame is sent. */
  private sendData(conn: SimConnection, symbol: string | undefined, channel: string, events: unknown[]): void {
    if (!conn.open || this.server?.dataAllowed(conn, symbol) !== true) return;
    conn.sendData(this.envelope(conn, channel, events), symbol);
  }

  private subscribers(topic: string): SimConnection[] {
    const server = this.server;
    if (server === undefined || !server.hasSubscribers(topic)) return [];
    return [...server.connections].filter((c) => c.topics.has(topic));
  }

  /** One book step: the l2_data update, then (top changed) the ticker, so a ticker describes the book already sent. */
  private publishDiff(p: SimProduct, diff: SimDiff): void {
    this.publishL2(p, diff);
    this.publishTicker(p, 'update');
  }

  private publishL2(p: SimProduct, diff: SimDiff): void {
    const server = this.server;
    if (server === undefined) return;
    const symbol = p.spec.symbol;
    const topic = `level2:${p.native}`;
    const subs = this.subscribers(topic);
    if (subs.length === 0) return;
    const fault = server.takeDiffFault(topic, symbol);
    if (fault === 'drop') {
      for (const c of subs) if (c.open && server.dataAllowed(c, symbol)) this.nextSeq(c); // lost in transit
      return;
    }
    if (fault === 'garbage') {
      for (const c of subs) {
        if (c.open && server.dataAllowed(c, symbol)) c.sendData(`{"channel":"l2_data","sequence_num":${this.nextSeq(c)},"ev`, symbol);
      }
      return;
    }
    // taken only when this update would otherwise go out (after the garbage, which would have swallowed it)
    if (server.takeFrameFault('silent-drop', topic, symbol) !== undefined) return;
    const bids = [...diff.bids];
    const asks = [...diff.asks];
    if (server.takeFrameFault('delete-absent', topic, symbol) !== undefined) {
      const book = this.market.book(symbol);
      const a = absentPrice(p.spec, book.bids, book.asks);
      (a.side === 'bid' ? bids : asks).push([a.price, '0']);
    }
    if (server.takeFrameFault('ghost-level', topic, symbol) !== undefined) {
      const third = this.market.book(symbol, 3).bids[2];
      if (third !== undefined) bids.push([ghostBid(p.spec, third[0]), '1.00000000']);
    }
    const events = [{ type: 'update', product_id: p.native, updates: l2Updates(bids, asks, iso(diff.time)) }];
    for (const c of subs) this.sendData(c, symbol, 'l2_data', events);
  }

  private publishTicker(p: SimProduct, type: 'update'): void {
    const best = this.market.best(p.spec.symbol);
    const top = `${best.bid?.join('|')}|${best.ask?.join('|')}`;
    if (top === p.lastTop) return;
    p.lastTop = top;
    const subs = this.subscribers(`ticker:${p.native}`);
    if (subs.length === 0) return;
    const t = tickerFields(p, this.market);
    if (t === undefined) return;
    for (const c of subs) this.sendData(c, p.spec.symbol, 'ticker', [{ type, tickers: [t] }]);
  }

  private publishTrade(p: SimProduct): void {
    const t = this.market.trade(p.spec.symbol);
    const rec = { id: t.id, price: t.price, size: t.size, takerSide: t.side, time: t.time };
    p.recentTrades.unshift(rec);
    if (p.recentTrades.length > 10) p.recentTrades.pop();
    for (const c of this.subscribers(`market_trades:${p.native}`)) {
      this.sendData(c, p.spec.symbol, 'market_trades', [{ type: 'update', trades: [tradeWire(p, rec)] }]);
    }
  }

  private heartbeats(): void {
    const server = this.server;
    if (server === undefined) return;
    for (const c of this.subscribers('heartbeats')) {
      if (server.faults.find('missing-heartbeat', aimsAt(c)) !== undefined) continue;
      const st = this.state(c);
      st.heartbeatCounter += 1;
      this.sendData(c, undefined, 'heartbeats', [heartbeatEvent(new Date(), st.heartbeatCounter)]);
    }
  }

  private closeIdleChannels(closeMs: number): void {
    const server = this.server;
    if (server === undefined) return;
    const now = Date.now();
    for (const c of server.connections) {
      const st = this.state(c);
      const hasData = [...c.topics].some((t) => t !== 'heartbeats');
      // without heartbeats: not subscribed to them, or subscribed but they are not coming (`missing-heartbeat`)
      const heartbeating = c.topics.has('heartbeats') && server.faults.find('missing-heartbeat', aimsAt(c)) === undefined;
      if (!hasData || heartbeating) {
        st.noHeartbeatsSince = undefined;
        continue;
      }
      st.noHeartbeatsSince ??= now;
      if (now - st.noHeartbeatsSince >= closeMs) {
        // the data channels close silently; a heartbeats subscription stays
        for (const t of [...c.topics]) if (t !== 'heartbeats') server.unsubscribe(c, t);
        st.noHeartbeatsSince = undefined;
      }
    }
  }

  // ---- WebSocket ----
  acceptUpgrade(): boolean {
    return true;
  }

  onOpen(conn: SimConnection): void {
    const st = this.state(conn);
    const deadline = this.opts.subscribeDeadlineMs ?? 5000;
    if (deadline > 0) {
      setTimeout(() => {
        if (!st.subscribed && conn.open) conn.close(1008, 'no subscribe within deadline');
      }, deadline).unref();
    }
  }

  private error(conn: SimConnection, message: string, reason?: string): void {
    conn.sendControl(errorFrame(message, reason));
  }

  onMessage(conn: SimConnection, text: string): void {
    const server = this.server;
    if (server === undefined) return;
    const cmd = requestObject(text);
    if (cmd === undefined) return this.error(conn, 'failure to parse message');
    const type = cmd['type'];
    if (type !== 'subscribe' && type !== 'unsubscribe') return this.error(conn, `unknown message type: ${String(type)}`);
    if ('channels' in cmd) return this.error(conn, 'Failed to subscribe', 'one channel per message: use "channel"');
    const channel = cmd['channel'];
    if (typeof channel !== 'string' || !(CHANNELS as readonly string[]).includes(channel)) {
      return this.error(conn, 'Failed to subscribe', `unknown channel ${String(channel)}`);
    }
    const jwt = cmd['jwt'];
    if (jwt !== undefined && (typeof jwt !== 'string' || jwt.split('.').length !== 3)) {
      return this.error(conn, 'authentication failure');
    }
    if (type === 'subscribe') {
      const refused = server.faults.take('error-reply', aimsAt(conn));
      if (refused !== undefined) return this.error(conn, faultText(refused, 'message') ?? 'Failed to subscribe', faultText(refused, 'reason'));
    }
    const st = this.state(conn);
    if (channel === 'heartbeats') {
      if (type === 'subscribe') server.subscribe(conn, 'heartbeats');
      else server.unsubscribe(conn, 'heartbeats');
      st.subscribed = true;
      return this.ack(conn);
    }
    const ids = stringList(cmd['product_ids']);
    if (ids === undefined || ids.length === 0) return this.error(conn, 'Failed to subscribe', 'product_ids required');
    const bad = ids.find((id) => !this.products.has(id));
    if (bad !== undefined) return this.error(conn, 'Failed to subscribe', `${bad} is not a valid product`);
    st.subscribed = true;
    for (const id of ids) {
      const topic = `${channel}:${id}`;
      if (type === 'unsubscribe') {
        server.unsubscribe(conn, topic);
        continue;
      }
      if (!SERVED.has(channel) || conn.topics.has(topic)) {
        server.subscribe(conn, topic);
        continue;
      }
      server.subscribe(conn, topic);
      this.initial(conn, channel, this.products.get(id)!);
    }
    this.ack(conn);
  }

  /** What a fresh subscription gets first: the book snapshot, the current ticker, the recent trades. */
  private initial(conn: SimConnection, channel: string, p: SimProduct): void {
    const symbol = p.spec.symbol;
    if (channel === 'level2') {
      const book = this.market.book(symbol);
      const updates = l2Updates(book.bids, book.asks, '1970-01-01T00:00:00Z');
      this.sendData(conn, symbol, 'l2_data', [{ type: 'snapshot', product_id: p.native, updates }]);
    } else if (channel === 'ticker') {
      const t = tickerFields(p, this.market);
      if (t !== undefined) this.sendData(conn, symbol, 'ticker', [{ type: 'snapshot', tickers: [t] }]);
    } else if (channel === 'market_trades') {
      this.sendData(conn, symbol, 'market_trades', [{ type: 'snapshot', trades: p.recentTrades.map((t) => tradeWire(p, t)) }]);
    }
  }

  private ack(conn: SimConnection): void {
    conn.sendControl(this.envelope(conn, 'subscriptions', [subscriptionsEvent(conn.topics)]));
  }

  topicSymbol(topic: string): string | undefined {
    const id = topic.split(':')[1];
    return id === undefined ? undefined : this.products.get(id)?.spec.symbol;
  }

  shutdownNotice(): void {
    // Coinbase announces nothing before closing
  }

  // ---- REST (coinbase-rest.ts) ----
  handleRest(req: RestRequest): RestResponse {
    return advancedTradeRest(req, this.products, this.market);
  }

  restFaultResponse(fault: SimFault): RestResponse {
    return advancedTradeRestFault(fault);
  }

  /** One-shot faults of this protocol fire once unless a `count` is given (the framework's default is "until cleared"). */
  applyFault(fault: SimFault): boolean {
    if (!ONE_SHOT.has(fault.kind) || (fault as Record<string, unknown>)['count'] !== undefined) return false;
    this.server?.faults.add({ ...fault, count: 1 });
    return true;
  }

  // ---- truth ----
  trueBook(symbol: string): SimBook | undefined {
    return this.market.has(symbol) ? this.market.book(symbol) : undefined;
  }

  trueBookAt(symbol: string, updateId: number): SimBook | undefined {
    return this.market.has(symbol) ? this.market.bookAt(symbol, updateId) : undefined;
  }

  async burst(opts: BurstOptions): Promise<BurstResult> {
    const server = this.server;
    if (server === undefined) return { diffs: 0, frames: 0, bytes: 0, ms: 0 };
    const symbols = (opts.symbols ?? [...this.bySymbol.keys()]).filter((s) => this.bySymbol.has(s));
    return server.burstRoundRobin(symbols, opts.diffs, (s) => {
      const p = this.bySymbol.get(s)!;
      this.publishDiff(p, this.market.step(p.spec.symbol));
    });
  }
}

export function coinbaseProtocol(opts: CoinbaseSimOptions): SimProtocol {
  return new CoinbaseProtocol(opts);
}
