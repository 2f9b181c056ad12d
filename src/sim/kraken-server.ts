/**
 * Simulated Kraken Spot WebSocket v2 (`/v2`) + REST `/0/public/AssetPairs`, rendering a `SimMarket` in Kraken's
 * wire format (docs/protocols/kraken.md): one ack per symbol, `book` snapshot then updates at the subscribed depth with a
 * CRC32 checksum of the top 10 on every message (levels pushed out of the depth are not deleted on the wire —
 * clients truncate; a level removed inside the depth is replaced by the one that comes into scope), `ticker` on
 * best bid/ask change (`event_trigger: "bbo"`), `trade`, `heartbeat` ~1/s, `{"method":"ping"}` → pong, error
 * replies for unknown pairs. Never imports src/exchanges/.
 *
 * Faults (besides the framework's silence / stop-all / close / black-hole / drop-diff / garbage-diff / REST ones):
 * - `{kind:'kraken-bad-checksum', symbol, count?}` — the next book update(s) of `symbol` carry a wrong checksum;
 * - `{kind:'kraken-reject', symbol}` — subscriptions to `symbol` are answered `Currency pair not supported` until
 *   cleared (an unknown symbol always is).
 *
 * Requests: ./kraken-requests.ts; REST: ./kraken-rest.ts; wire format: ./kraken-render.ts.
 */
import type { Level } from '../schema/events.js';
import { SimMarket } from './market.js';
import { subSeed } from './prng.js';
import { faultSymbol } from './faults.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimProtocolOptions, SimServer } from './server.js';
import type { SimBook, SimDiff, SimFault } from './types.js';
import {
  bookChecksum,
  bookFrame,
  HEARTBEAT,
  methodError,
  methodOk,
  pong,
  statusFrame,
  tickerFrame,
  readCommand,
  sideUpdate,
  tradeFrame,
  type TradeData,
} from './kraken-render.js';
import { readSub, resultJson, subTopic, type Sub } from './kraken-requests.js';
import { krakenRest, krakenRestFault } from './kraken-rest.js';

export interface KrakenSimOptions {
  market: SimMarket;
  /** Book step period per symbol (ms). Default 50. */
  diffIntervalMs?: number;
  /** Trade period per symbol (ms); 0 = none. Default 200. */
  tradeIntervalMs?: number;
  /** Heartbeat period (ms); 0 = none. Default 1000. */
  heartbeatIntervalMs?: number;
  /** Write numbers without trailing fraction zeros (Kraken does so at times); default false = all digits. */
  trimNumbers?: boolean;
}

interface Window {
  symbol: string;
  depth: number;
  bids: Level[];
  asks: Level[];
}

export class KrakenProtocol implements SimProtocol {
  readonly exchange = 'kraken' as const;
  readonly pingIntervalMs = 0;
  readonly maxIncomingPerSec = 0;
  private server!: SimServer;
  private readonly market: SimMarket;
  private readonly trim: boolean;
  /** topic `book:<depth>:<symbol>` → the depth window every subscriber of that topic holds. */
  private readonly windows = new Map<string, Window>();
  private readonly lastBbo = new Map<string, string>();
  private readonly recentTrades = new Map<string, TradeData[]>();
  /**
   * symbol → the market change id of the last book frame that reached a subscriber (`trueBook` is the book there).
   * Kraken's book frames carry no update id, so without this the truth after a step whose frame never went out (a
   * `drop-diff`, or `silence` / `stop-all` suppressing it) could not be told from the truth the client last saw.
   */
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly opts: KrakenSimOptions) {
    this.market = opts.market;
    this.trim = opts.trimNumbers ?? false;
  }

  start(server: SimServer): void {
    this.server = server;
    server.every(this.opts.diffIntervalMs ?? 50, () => {
      for (const spec of this.market.symbols()) this.stepSymbol(spec.symbol);
    });
    const tradeMs = this.opts.tradeIntervalMs ?? 200;
    if (tradeMs > 0) {
      server.every(tradeMs, () => {
        for (const spec of this.market.symbols()) this.tradeSymbol(spec.symbol);
      });
    }
    const hbMs = this.opts.heartbeatIntervalMs ?? 1000;
    if (hbMs > 0) {
      // heartbeats are liveness, not data: they continue under `silence` (only `stop-all` stops them)
      server.every(hbMs, () => {
        for (const c of server.connections) if (c.topics.size > 0 && c.open) c.sendControl(HEARTBEAT);
      });
    }
  }

  acceptUpgrade(url: URL): boolean {
    return url.pathname === '/v2';
  }

  onOpen(conn: SimConnection): void {
    conn.sendControl(statusFrame('online', conn.id));
  }

  onMessage(conn: SimConnection, text: string): void {
    const now = Date.now();
    const cmd = readCommand(text);
    if (cmd === undefined) {
      conn.sendControl(methodError('error', 'Malformed request', undefined, undefined, now));
      return;
    }
    if (cmd.method === 'ping') {
      conn.sendControl(pong(cmd.reqId, now));
      return;
    }
    if (cmd.method !== 'subscribe' && cmd.method !== 'unsubscribe') {
      conn.sendControl(methodError(cmd.method, 'Method not supported', undefined, cmd.reqId, now));
      return;
    }
    const sub = readSub(cmd, now);
    if (typeof sub === 'string') {
      conn.sendControl(sub);
      return;
    }
    if (cmd.method === 'subscribe') this.subscribe(conn, sub, now);
    else this.unsubscribe(conn, sub, now);
  }

  private subscribe(conn: SimConnection, sub: Sub, now: number): void {
    for (const symbol of sub.symbols) {
      const rejected = this.server.faults.find('kraken-reject', (f) => faultSymbol(f) === symbol) !== undefined;
      if (!this.market.has(symbol) || rejected) {
        conn.sendControl(methodError('subscribe', `Currency pair not supported ${symbol}`, symbol, sub.reqId, now));
        continue;
      }
      const topic = subTopic(sub, symbol);
      if (conn.topics.has(topic)) {
        conn.sendControl(methodError('subscribe', 'Already subscribed', symbol, sub.reqId, now));
        continue;
      }
      this.server.subscribe(conn, topic);
      conn.sendControl(methodOk('subscribe', resultJson(sub, symbol, true), sub.reqId, now));
      if (sub.channel === 'book') {
        const w = this.window(topic, symbol, sub.depth);
        if (sub.snapshot) {
          const sent = conn.sendData(
            bookFrame({ symbol, type: 'snapshot', bids: w.bids, asks: w.asks, checksum: bookChecksum(w.bids, w.asks) }, this.trim),
            symbol,
          );
          if (sent) this.lastSent.set(symbol, this.market.lastId(symbol));
        }
      } else if (sub.channel === 'ticker') {
        conn.sendData(tickerFrame('snapshot', this.tickerData(symbol, now), this.trim), symbol);
      } else if (sub.snapshot) {
        conn.sendData(tradeFrame('snapshot', this.recentTrades.get(symbol) ?? [], this.trim), symbol);
      }
    }
  }

  private unsubscribe(conn: SimConnection, sub: Sub, now: number): void {
    for (const symbol of sub.symbols) {
      const topic = subTopic(sub, symbol);
      if (!conn.topics.has(topic)) {
        conn.sendControl(methodError('unsubscribe', 'Subscription Not Found', symbol, sub.reqId, now));
        continue;
      }
      this.server.unsubscribe(conn, topic);
      if (!this.server.hasSubscribers(topic)) this.forget(topic);
      conn.sendControl(methodOk('unsubscribe', resultJson(sub, symbol, false), sub.reqId, now));
    }
  }

  /** Drop a book topic nobody subscribes to any more (and, with the symbol's last one, its last-sent id). */
  private forget(topic: string): void {
    const w = this.windows.get(topic);
    this.windows.delete(topic);
    if (w !== undefined && ![...this.windows.values()].some((o) => o.symbol === w.symbol)) this.lastSent.delete(w.symbol);
  }

  /** The depth window of a book topic (created from the true book when first needed). */
  private window(topic: string, symbol: string, depth: number): Window {
    let w = this.windows.get(topic);
    if (w === undefined) {
      const b = this.market.book(symbol, depth);
      w = { symbol, depth, bids: b.bids, asks: b.asks };
      this.windows.set(topic, w);
    }
    return w;
  }

  /**
   * One market step for `symbol`, rendered for every subscribed depth; ticker on a best bid/ask change. Per-frame
   * faults are taken only once an update is about to go out (a step whose change stayed outside every subscribed
   * depth sends nothing and leaves them queued).
   */
  private stepSymbol(symbol: string): void {
    const diff = this.market.step(symbol);
    const out: { topic: string; w: Window; bids: Level[]; asks: Level[] }[] = [];
    for (const [topic, w] of this.windows) {
      if (w.symbol !== symbol) continue;
      if (!this.server.hasSubscribers(topic)) {
        this.forget(topic);
        continue;
      }
      const next = this.market.book(symbol, w.depth);
      const bids = sideUpdate(w.bids, next.bids, diff.bids);
      const asks = sideUpdate(w.asks, next.asks, diff.asks);
      w.bids = next.bids;
      w.asks = next.asks;
      if (bids.length === 0 && asks.length === 0) continue; // nothing changed inside this depth
      out.push({ topic, w, bids, asks });
    }
    const sending = out.map((o) => o.topic);
    const fault = this.server.takeDiffFault(sending, symbol);
    if (fault === 'drop') {
      this.maybeTicker(symbol, diff);
      return; // nothing goes out: the other faults wait for the next update
    }
    const badChecksum = this.server.takeFrameFault('kraken-bad-checksum', sending, symbol) !== undefined;
    const garbageFrame = this.server.takeGarbageFrame(sending, symbol);
    for (const { topic, w, bids, asks } of out) {
      if (garbageFrame) this.server.publish(topic, symbol, () => '{"channel":"book","type":"upd');
      let checksum = bookChecksum(w.bids, w.asks);
      if (badChecksum) checksum = (checksum + 1) >>> 0;
      const text =
        fault === 'garbage'
          ? `{"channel":"book","type":"update","data":[{"symbol":"${symbol}","bids":[{"price":`
          : bookFrame({ symbol, type: 'update', bids, asks, checksum, time: diff.time }, this.trim);
      // a garbage update went out too: a client must drop the book it had, so the truth moves on
      if (this.server.publish(topic, symbol, () => text) > 0) this.lastSent.set(symbol, diff.lastId);
    }
    this.maybeTicker(symbol, diff);
  }

  private maybeTicker(symbol: string, diff: SimDiff): void {
    const topic = `ticker:${symbol}`;
    const best = this.market.best(symbol);
    const key = `${best.bid?.join(':')}|${best.ask?.join(':')}`;
    if (this.lastBbo.get(symbol) === key) return;
    this.lastBbo.set(symbol, key);
    if (!this.server.hasSubscribers(topic)) return;
    const text = tickerFrame('update', this.tickerData(symbol, diff.time), this.trim);
    this.server.publish(topic, symbol, () => text);
  }

  private tickerData(symbol: string, time: number): Parameters<typeof tickerFrame>[1] {
    const st = this.market.stats(symbol);
    const best = this.market.best(symbol);
    return {
      symbol,
      bid: best.bid ?? ['0', '0'],
      ask: best.ask ?? ['0', '0'],
      last: st.last,
      volume: st.volume,
      vwap: st.weightedAvg,
      low: st.low,
      high: st.high,
      change: st.priceChange,
      changePct: st.priceChangePercent,
      time,
    };
  }

  private tradeSymbol(symbol: string): void {
    const t = this.market.trade(symbol);
    const data: TradeData = { symbol, side: t.side, price: t.price, qty: t.size, id: t.id, time: t.time };
    const recent = this.recentTrades.get(symbol) ?? [];
    recent.push(data);
    if (recent.length > 50) recent.shift();
    this.recentTrades.set(symbol, recent);
    const topic = `trade:${symbol}`;
    if (!this.server.hasSubscribers(topic)) return;
    const text = tradeFrame('update', [data], this.trim);
    this.server.publish(topic, symbol, () => text);
  }

  handleRest(req: RestRequest): RestResponse {
    return krakenRest(req, this.market);
  }

  restFaultResponse(fault: SimFault): RestResponse {
    return krakenRestFault(fault);
  }

  topicSymbol(topic: string): string | undefined {
    const symbol = topic.slice(topic.lastIndexOf(':') + 1);
    return this.market.has(symbol) ? symbol : undefined;
  }

  shutdownNotice(conn: SimConnection): void {
    conn.sendControl(statusFrame('maintenance', conn.id));
  }

  /**
   * The true book at the last book frame that went out for `symbol` (the current book when none did, or when that
   * change fell out of the kept history): a step whose frame was dropped or suppressed is not part of it, so a
   * client that received every frame sent holds exactly this book (its top `depth`).
   */
  trueBook(symbol: string): SimBook | undefined {
    if (!this.market.has(symbol)) return undefined;
    const id = this.lastSent.get(symbol);
    return (id === undefined ? undefined : this.market.bookAt(symbol, id)) ?? this.market.book(symbol);
  }

  trueBookAt(symbol: string, updateId: number): SimBook | undefined {
    return this.market.has(symbol) ? this.market.bookAt(symbol, updateId) : undefined;
  }

  burst(opts: BurstOptions): Promise<BurstResult> {
    const symbols = opts.symbols ?? this.market.symbols().map((s) => s.symbol);
    return this.server.burstRoundRobin(symbols, opts.diffs, (s) => this.stepSymbol(s));
  }

  applyFault(fault: SimFault): boolean {
    if (fault.kind === 'kraken-bad-checksum') {
      // one update by default, like drop-diff
      this.server.faults.add(typeof fault['count'] === 'number' ? fault : { ...fault, count: 1 });
      return true;
    }
    if (fault.kind === 'kraken-reject') {
      this.server.faults.add(fault); // until cleared
      return true;
    }
    return false;
  }
}

export function createKrakenProtocol(opts: KrakenSimOptions): KrakenProtocol {
  return new KrakenProtocol(opts);
}

/** The `startSim` factory (src/sim/index.ts `PROTOCOLS`): Kraken's own seeded market over the shared symbols. */
export function krakenProtocol(opts: SimProtocolOptions): KrakenProtocol {
  const market = new SimMarket({
    seed: subSeed(opts.seed, 'kraken'),
    symbols: opts.symbols,
    levels: opts.levels ?? 1000,
    historySize: opts.historySize ?? 50_000,
  });
  return new KrakenProtocol({ market, diffIntervalMs: opts.intervalMs ?? 100, tradeIntervalMs: opts.tradeIntervalMs ?? 250 });
}
