/**
 * Coinbase Exchange feed protocol server (`coinbase-exchange`, docs/protocols/coinbase.md#exchange) on the generic framework.
 *
 * WS on any path: `{"type":"subscribe"|"unsubscribe","product_ids":[…],"channels":[name | {name, product_ids}]}`;
 * every (un)subscribe is answered with `{"type":"subscriptions","channels":[…]}` listing all current
 * subscriptions. Channels: `level2_batch` (keyless; changes batched every `batchMs`, default 50), `level2`
 * (requires the signed subscribe, checked against `credentials`: coinbase-exchange-auth.ts), `ticker` (per-product
 * `sequence`; one sent at once on subscribe, then on every top-of-book change), `matches` (`last_match` on
 * subscribe, then `match`; `side` = MAKER side) and `heartbeat` (per product, 1/s). A connection that does not
 * subscribe within `subscribeDeadlineMs` (real: 5 s) is closed. l2update has no sequence and no checksum, as on
 * the real feed. REST: coinbase-rest.ts.
 *
 * Faults (besides the framework's): `drop-diff` {symbol} — an l2update (or batch) never sent (undetectable on
 * the wire, as on the real feed); `garbage-diff`; `delete-absent` {symbol} — the next l2update also removes a level
 * that is not in the book; `ghost-level` {symbol} — the next l2update also carries a bid the true book does not
 * have; `missing-heartbeat` {symbol?}; `error-reply` {message?, reason?} — the next subscribe is
 * refused.
 * Sim choices where the docs say nothing: a bad signature gets `{"type":"error","message":"Authentication
 * Failed","reason":"invalid signature"}`; level2 without auth gets the [LIVE] "require authentication" error while
 * the message's other channels are subscribed; an unknown product gets "X is not a valid product" and the valid
 * ones are subscribed.
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
import { SIM_COINBASE_EXCHANGE_CREDENTIALS, signedSubscribeOk } from './coinbase-exchange-auth.js';
import { exchangeRest, exchangeRestFault } from './coinbase-rest.js';
import { l2changes, l2update, matchWire } from './coinbase-exchange-render.js';
import { SimMarket } from './market.js';
import { subSeed } from './prng.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimServer } from './server.js';
import type { SimBook, SimDiff, SimFault } from './types.js';

export interface CoinbaseExchangeSimOptions extends CoinbaseSimBaseOptions {
  /** level2 batching window (ms). Default 50. */
  batchMs?: number;
  /** Credentials the signed `level2` subscribe must match. Default SIM_COINBASE_EXCHANGE_CREDENTIALS. */
  credentials?: { key: string; secret: string; passphrase: string };
  /** Epoch ms for the signature freshness check (tests). Default Date.now. */
  now?: () => number;
}

const AUTH_CHANNELS = new Set(['level2', 'level3', 'full']);
const KNOWN = new Set(['level2', 'level2_batch', 'level3', 'full', 'ticker', 'ticker_batch', 'matches', 'heartbeat', 'status']);
const SERVED = new Set(['level2', 'level2_batch', 'ticker', 'matches', 'heartbeat']);
const ONE_SHOT = new Set(['delete-absent', 'ghost-level', 'error-reply']);

interface Batch {
  changes: Map<string, [string, string, string]>;
  /** Last change id included in what was flushed (the book a level2_batch client has). */
  flushedId: number;
  pendingId: number;
}

export class CoinbaseExchangeProtocol implements SimProtocol {
  readonly exchange = 'coinbase-exchange' as const;
  readonly pingIntervalMs = 0;
  readonly maxIncomingPerSec: number;
  readonly market: SimMarket;
  private server: SimServer | undefined;
  private readonly products: Map<string, SimProduct>;
  private readonly bySymbol = new Map<string, SimProduct>();
  private readonly batches = new Map<string, Batch>();
  private readonly subscribed = new WeakSet<SimConnection>();
  private readonly creds: { key: string; secret: string; passphrase: string };

  constructor(private readonly opts: CoinbaseExchangeSimOptions) {
    // documented: 8 requests/s per IP with a burst of 20
    this.maxIncomingPerSec = opts.maxIncomingPerSec ?? 20;
    this.market = new SimMarket({
      seed: subSeed(opts.seed, 'coinbase-exchange'),
      symbols: opts.symbols,
      levels: opts.levels ?? 200,
      historySize: opts.historySize ?? 50_000,
    });
    this.products = products(opts.symbols);
    this.creds = opts.credentials ?? SIM_COINBASE_EXCHANGE_CREDENTIALS;
    for (const p of this.products.values()) {
      this.bySymbol.set(p.spec.symbol, p);
      const id = this.market.lastId(p.spec.symbol);
      this.batches.set(p.native, { changes: new Map(), flushedId: id, pendingId: id });
    }
  }

  start(server: SimServer): void {
    this.server = server;
    server.every(this.opts.intervalMs ?? 100, () => {
      for (const p of this.products.values()) this.publishDiff(p, this.market.step(p.spec.symbol));
    });
    server.every(this.opts.batchMs ?? 50, () => {
      for (const p of this.products.values()) this.flushBatch(p);
    });
    server.every(this.opts.tradeIntervalMs ?? 250, () => {
      for (const p of this.products.values()) this.publishTrade(p);
    });
    server.every(this.opts.heartbeatIntervalMs ?? 1000, () => {
      for (const p of this.products.values()) this.publishHeartbeat(p);
    });
  }

  // ---- publishing ----
  /** Diff-level faults for one outgoing l2update of `p`: undefined = do not send; else the changes to send. */
  private applyDiffFaults(p: SimProduct, changes: [string, string, string][], topic: string): [string, string, string][] | undefined {
    const server = this.server!;
    const symbol = p.spec.symbol;
    const fault = server.takeDiffFault(topic, symbol);
    if (fault === 'drop') return undefined;
    if (fault === 'garbage') {
      server.publish(topic, symbol, () => `{"type":"l2update","product_id":"${p.native}","changes":[["buy",`);
      return undefined;
    }
    let out = changes;
    if (server.takeFrameFault('delete-absent', topic, symbol) !== undefined) {
      const book = this.market.book(symbol);
      const a = absentPrice(p.spec, book.bids, book.asks);
      out = [...out, [a.side === 'bid' ? 'buy' : 'sell', a.price, '0']];
    }
    const ghost = server.takeFrameFault('ghost-level', topic, symbol);
    if (ghost !== undefined) {
      const at = (ghost as Record<string, unknown>)['level'];
      const level = typeof at === 'number' && Number.isInteger(at) && at >= 0 ? at : 2;
      const near = this.market.book(symbol, level + 1).bids[level];
      if (near !== undefined) out = [...out, ['buy', ghostBid(p.spec, near[0]), '1.00000000']];
    }
    return out;
  }

  private publishDiff(p: SimProduct, diff: SimDiff): void {
    const server = this.server;
    if (server === undefined) return;
    p.sequence += 1;
    const changes = l2changes(diff.bids, diff.asks);
    const batch = this.batches.get(p.native)!;
    for (const c of changes) batch.changes.set(`${c[0]}|${c[1]}`, c);
    batch.pendingId = diff.lastId;
    const topic = `level2:${p.native}`;
    if (server.hasSubscribers(topic)) {
      const out = this.applyDiffFaults(p, changes, topic);
      if (out !== undefined) {
        const text = l2update(p, out, diff.time);
        server.publish(topic, p.spec.symbol, () => text);
      }
    }
    this.publishTicker(p, false);
  }

  private flushBatch(p: SimProduct): void {
    const server = this.server;
    const batch = this.batches.get(p.native)!;
    if (server === undefined || batch.changes.size === 0) return;
    const changes = [...batch.changes.values()];
    batch.changes.clear();
    batch.flushedId = batch.pendingId;
    const topic = `level2_batch:${p.native}`;
    if (!server.hasSubscribers(topic)) return;
    const out = this.applyDiffFaults(p, changes, topic);
    if (out === undefined) return;
    const text = l2update(p, out, Date.now());
    server.publish(topic, p.spec.symbol, () => text);
  }

  private tickerText(p: SimProduct): string | undefined {
    const best = this.market.best(p.spec.symbol);
    if (best.bid === undefined || best.ask === undefined) return undefined;
    const st = this.market.stats(p.spec.symbol);
    const last = p.recentTrades[0];
    return JSON.stringify({
      type: 'ticker',
      sequence: p.sequence,
      product_id: p.native,
      price: st.last,
      open_24h: st.open,
      volume_24h: st.volume,
      low_24h: st.low,
      high_24h: st.high,
      volume_30d: st.volume,
      best_bid: best.bid[0],
      best_bid_size: best.bid[1],
      best_ask: best.ask[0],
      best_ask_size: best.ask[1],
      side: last?.takerSide ?? 'buy',
      time: iso(Date.now()),
      trade_id: last?.id ?? 0,
      last_size: st.lastQty,
    });
  }

  private publishTicker(p: SimProduct, force: boolean): void {
    const best = this.market.best(p.spec.symbol);
    const top = `${best.bid?.join('|')}|${best.ask?.join('|')}`;
    if (!force && top === p.lastTop) return;
    p.lastTop = top;
    const topic = `ticker:${p.native}`;
    if (!this.server?.hasSubscribers(topic)) return;
    const text = this.tickerText(p);
    if (text !== undefined) this.server.publish(topic, p.spec.symbol, () => text);
  }

  private publishTrade(p: SimProduct): void {
    const t = this.market.trade(p.spec.symbol);
    p.sequence += 1;
    p.lastTradeId = t.id;
    const rec = { id: t.id, price: t.price, size: t.size, takerSide: t.side, time: t.time };
    p.recentTrades.unshift(rec);
    if (p.recentTrades.length > 10) p.recentTrades.pop();
    const topic = `matches:${p.native}`;
    if (this.server?.hasSubscribers(topic)) {
      const text = matchWire(p, rec, 'match');
      this.server.publish(topic, p.spec.symbol, () => text);
    }
  }

  private publishHeartbeat(p: SimProduct): void {
    const server = this.server;
    const topic = `heartbeat:${p.native}`;
    if (server === undefined || !server.hasSubscribers(topic)) return;
    const text = JSON.stringify({ type: 'heartbeat', sequence: p.sequence, last_trade_id: p.lastTradeId, product_id: p.native, time: iso(Date.now()) });
    for (const c of server.connections) {
      if (!c.topics.has(topic) || server.faults.find('missing-heartbeat', aimsAt(c)) !== undefined) continue;
      c.sendData(text);
    }
  }

  // ---- WebSocket ----
  acceptUpgrade(): boolean {
    return true;
  }

  onOpen(conn: SimConnection): void {
    const deadline = this.opts.subscribeDeadlineMs ?? 5000;
    if (deadline <= 0) return;
    setTimeout(() => {
      if (!this.subscribed.has(conn) && conn.open) conn.close(1008, 'no subscribe within deadline');
    }, deadline).unref();
  }

  private error(conn: SimConnection, message: string, reason?: string): void {
    conn.sendControl(JSON.stringify(reason === undefined ? { type: 'error', message } : { type: 'error', message, reason }));
  }

  onMessage(conn: SimConnection, text: string): void {
    const server = this.server;
    if (server === undefined) return;
    const cmd = requestObject(text);
    if (cmd === undefined) return this.error(conn, 'Malformed JSON');
    const type = cmd['type'];
    if (type !== 'subscribe' && type !== 'unsubscribe') return this.error(conn, 'Failed to subscribe', `${String(type)} is not a valid message type`);
    const rootIds = stringList(cmd['product_ids']) ?? [];
    const rawChannels = cmd['channels'];
    if (!Array.isArray(rawChannels) || rawChannels.length === 0) return this.error(conn, 'Failed to subscribe', 'channels required');
    if (type === 'subscribe') {
      const refused = server.faults.take('error-reply', aimsAt(conn));
      if (refused !== undefined) return this.error(conn, faultText(refused, 'message') ?? 'Failed to subscribe', faultText(refused, 'reason'));
    }
    const hasAuth = 'signature' in cmd;
    const authed = hasAuth && signedSubscribeOk(cmd, this.creds, (this.opts.now ?? Date.now)() / 1000);
    if (hasAuth && !authed) return this.error(conn, 'Authentication Failed', 'invalid signature');
    this.subscribed.add(conn);
    for (const ch of rawChannels) {
      const name = typeof ch === 'string' ? ch : typeof ch === 'object' && ch !== null ? (ch as Record<string, unknown>)['name'] : undefined;
      const ids = typeof ch === 'object' && ch !== null ? (stringList((ch as Record<string, unknown>)['product_ids']) ?? rootIds) : rootIds;
      if (typeof name !== 'string' || !KNOWN.has(name)) {
        this.error(conn, 'Failed to subscribe', `${String(name)} is not a valid channel`);
        continue;
      }
      if (type === 'subscribe' && AUTH_CHANNELS.has(name) && !authed) {
        this.error(conn, 'Failed to subscribe', 'level2, level3, and full channels now require authentication.');
        continue;
      }
      for (const id of ids) {
        const p = this.products.get(id);
        if (p === undefined) {
          this.error(conn, 'Failed to subscribe', `${id} is not a valid product`);
          continue;
        }
        const topic = `${name}:${id}`;
        if (type === 'unsubscribe') {
          server.unsubscribe(conn, topic);
          continue;
        }
        const fresh = !conn.topics.has(topic);
        server.subscribe(conn, topic);
        if (fresh && SERVED.has(name)) this.initial(conn, name, p);
      }
    }
    this.ack(conn);
  }

  private initial(conn: SimConnection, channel: string, p: SimProduct): void {
    const symbol = p.spec.symbol;
    if (channel === 'level2' || channel === 'level2_batch') {
      // level2_batch clients get the book as already flushed; level2 clients the book as of now
      const id = channel === 'level2' ? this.market.lastId(symbol) : this.batches.get(p.native)!.flushedId;
      const book = this.market.bookAt(symbol, id) ?? this.market.book(symbol);
      conn.sendData(JSON.stringify({ type: 'snapshot', product_id: p.native, bids: book.bids, asks: book.asks }), symbol);
    } else if (channel === 'ticker') {
      const t = this.tickerText(p);
      if (t !== undefined) conn.sendData(t, symbol);
    } else if (channel === 'matches') {
      const last = p.recentTrades[0];
      if (last !== undefined) conn.sendData(matchWire(p, last, 'last_match'), symbol);
    }
  }

  private ack(conn: SimConnection): void {
    const byName = new Map<string, string[]>();
    for (const t of conn.topics) {
      const [name = t, id = ''] = t.split(':');
      const list = byName.get(name);
      if (list === undefined) byName.set(name, [id]);
      else list.push(id);
    }
    conn.sendControl(JSON.stringify({ type: 'subscriptions', channels: [...byName].map(([name, product_ids]) => ({ name, product_ids })) }));
  }

  topicSymbol(topic: string): string | undefined {
    const id = topic.split(':')[1];
    return id === undefined ? undefined : this.products.get(id)?.spec.symbol;
  }

  shutdownNotice(): void {
    // the Exchange feed announces nothing before closing
  }

  applyFault(fault: SimFault): boolean {
    if (!ONE_SHOT.has(fault.kind) || (fault as Record<string, unknown>)['count'] !== undefined) return false;
    this.server?.faults.add({ ...fault, count: 1 });
    return true;
  }

  // ---- REST (coinbase-rest.ts) ----
  handleRest(req: RestRequest): RestResponse {
    return exchangeRest(req, this.products, this.market);
  }

  restFaultResponse(fault: SimFault): RestResponse {
    return exchangeRestFault(fault);
  }

  // ---- truth ----
  /**
   * The true book as the feed has published it: as of the last flushed batch while anyone is on `level2_batch`
   * for the product (batches stop with the data timers while paused), else as of now (`level2`).
   */
  trueBook(symbol: string): SimBook | undefined {
    const p = this.bySymbol.get(symbol);
    if (p === undefined) return undefined;
    if (this.server?.hasSubscribers(`level2_batch:${p.native}`) !== true) return this.market.book(symbol);
    return this.market.bookAt(symbol, this.batches.get(p.native)!.flushedId);
  }

  /** The true book right now (what a `level2` client has). */
  currentBook(symbol: string): SimBook | undefined {
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
      this.flushBatch(p);
    });
  }
}

export function coinbaseExchangeProtocol(opts: CoinbaseExchangeSimOptions): SimProtocol {
  return new CoinbaseExchangeProtocol(opts);
}
