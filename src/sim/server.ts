/**
 * The simulator's protocol-server framework: one HTTP server + one `ws` WebSocketServer per exchange on loopback,
 * generic over the exchange's protocol. It owns sockets, per-connection state, the request/frame log, fault
 * switches, WebSocket ping frames, pause/resume, data timers and batched (backpressured) sending. The exchange's
 * wire format lives entirely in a `SimProtocol`.
 *
 * ## How to add an exchange protocol (Kraken, OKX, Coinbase, Bybit, …)
 * 1. Create `src/sim/<exchange>-server.ts` exporting a factory `(opts: SimProtocolOptions) => SimProtocol`.
 *    Keep frame rendering pure (a `<exchange>-render.ts` next to it when it grows) and follow docs/protocols/; never
 *    import `src/exchanges/`.
 * 2. Build one `SimMarket` (src/sim/market.ts) for the exchange's symbols; drive it from `server.every(ms, fn)`
 *    timers (they stop while paused or bursting): `market.step(symbol)` → render the exchange's delta/snapshot,
 *    `market.trade(symbol)`, `market.stats(symbol)`, `market.bookAt(symbol, id)` for REST snapshots.
 * 3. Subscriptions: in `onMessage` parse the client's command, call `server.subscribe(conn, topic)` /
 *    `server.unsubscribe(conn, topic)` (a topic is the exchange's own stream/channel key) and ack with
 *    `conn.sendControl(text)`. `topicSymbol(topic)` maps a topic to the unified symbol it carries (faults aimed at
 *    a symbol use it; return undefined for unknown symbols so they stay silent).
 * 4. Publish market data with `server.publish(topic, symbol, render)`: the render callback runs only when someone
 *    subscribed, once per connection mode (cache the string), and the framework applies silence / stop-all /
 *    black-hole. Apply diff-level faults yourself with `server.takeDiffFault(topics, symbol)` (drop → don't
 *    publish, ids still advance; garbage → publish `garbageText`), `server.takeGarbageFrame(topics, symbol)` and
 *    `server.takeFrameFault(kind, topics, symbol)` for your own per-frame faults — called only once a non-empty frame
 *    is about to go out on `topics`: they take nothing when no subscriber would receive it, so no fault is lost.
 * 5. Keepalive: set `pingIntervalMs` for WebSocket ping frames (the framework answers client pings itself, except
 *    under stop-all). Text/JSON pings (`ping`, `{"op":"ping"}`) are answered in `onMessage` via `sendControl`.
 * 6. `shutdownNotice(conn)` sends the exchange's maintenance notice (the framework closes the socket after
 *    `shutdownCloseDelayMs`); `restFaultResponse` renders 429/418/500 bodies; `handleRest` serves REST paths.
 * 7. `burst(opts)`: emit `opts.diffs` diffs inside `server.burst(() => …)` through the same publish path; the
 *    framework collects and pre-frames them and writes them with backpressure. Also implementing
 *    `burstProducer(opts)` (the same loop, returning the count) lets benchmarks prepare first and time the send.
 * 8. `trueBook` / `trueBookAt` answer in the exchange's own update ids and wire decimals, so tests compare a
 *    client's book with the truth at the same id.
 * 9. Register the factory in `src/sim/index.ts` (`PROTOCOLS`), and add tests in `test/sim/`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ExchangeId } from '../schema/events.js';
import { Bursts } from './bursts.js';
import { listenTo, pingAll } from './connection-events.js';
import { FaultSet, faultNumber, faultString, faultSymbol } from './faults.js';
import { FrameChunks } from './frame-chunks.js';
import type { BurstResult, PreparedBurst, SimProtocol } from './protocol.js';
import { serveHttp } from './serve-http.js';
import { SimConnection } from './sim-connection.js';
import type { SimLog } from './sim-log.js';
import type { SimFault, SimLogEntry } from './types.js';

// the framework's other pieces: protocols and tests import them from here
export type { BurstOptions, BurstResult, PreparedBurst, RestRequest, RestResponse, SimProtocol, SimProtocolOptions } from './protocol.js';
export { SimConnection } from './sim-connection.js';
export { SimLog } from './sim-log.js';

export interface SimServerOptions {
  host: string;
  port: number;
  log: SimLog;
  /** Close the socket this long after a shutdown notice. Default 100 ms. */
  shutdownCloseDelayMs?: number;
  /** Enforce `maxIncomingPerSec` (close 1008). Default true. */
  enforceMessageRate?: boolean;
  /** Unified symbols served (the control endpoints validate against them). */
  symbols?: readonly string[];
}

/** One exchange's HTTP + WebSocket server. */
export class SimServer {
  readonly faults = new FaultSet();
  readonly connections = new Set<SimConnection>();
  private readonly byTopic = new Map<string, Set<SimConnection>>();
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly timers: NodeJS.Timeout[] = [];
  private nextConnId = 1;
  private paused = false;
  private readonly bursts = new Bursts();
  private closed = false;
  port = 0;

  constructor(
    readonly protocol: SimProtocol,
    private readonly opts: SimServerOptions,
  ) {
    this.wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
    this.http = createServer((req, res) => void serveHttp(this, this.opts.symbols ?? [], req, res));
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  get exchange(): ExchangeId {
    return this.protocol.exchange;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port, this.opts.host, () => resolve());
    });
    this.port = (this.http.address() as AddressInfo).port;
    this.protocol.start(this);
    if (this.protocol.pingIntervalMs > 0) {
      this.timers.push(setInterval(() => pingAll(this), this.protocol.pingIntervalMs));
    }
    this.timers.push(setInterval(() => this.enforceMaxAge(), 50));
  }

  /** `max-connection-age`: close connections older than `seconds` (Binance's 24 h limit), while the fault is on. */
  private enforceMaxAge(): void {
    const f = this.faults.find('max-connection-age');
    if (!f || this.connections.size === 0) return;
    const now = Date.now();
    for (const c of this.connections) {
      const age = faultNumber(f, 'seconds') ?? Infinity;
      const sym = faultSymbol(f);
      if (!c.open || (sym !== undefined && !c.symbols.has(sym)) || now - c.openedAt < age * 1000) continue;
      c.close(1001, 'sim: max connection age reached');
    }
  }

  get wsOrigin(): string {
    return `ws://${this.opts.host}:${this.port}`;
  }
  get restOrigin(): string {
    return `http://${this.opts.host}:${this.port}`;
  }

  // ---- log ----
  logEntry(e: Omit<SimLogEntry, 'time' | 'exchange'>): void {
    this.opts.log.add({ time: Date.now(), exchange: this.exchange, ...e });
  }

  // ---- timers, pause, burst ----
  /**
   * A data timer: skipped while paused or while a burst is being written. Each connection's socket is corked for
   * the tick, so what one tick publishes to a connection (one frame per symbol of a 1000-symbol step) leaves in one
   * `writev` instead of one system call per frame — same frames, same order (the profile of a 1000-symbol Binance
   * step had 42% of the simulator's time in `writev`).
   */
  every(ms: number, fn: () => void): void {
    this.timers.push(
      setInterval(() => {
        if (this.paused || this.bursts.active !== 0) return;
        const corked: Duplex[] = [];
        for (const c of this.connections) {
          // a connection without a socket (the unit tier's socket-less stand-in) has nothing to cork
          const socket = c.socket as Duplex | undefined;
          if (!c.open || socket === undefined) continue;
          socket.cork();
          corked.push(socket);
        }
        try {
          fn();
        } finally {
          for (const socket of corked) socket.uncork();
        }
      }, ms),
    );
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  get isPaused(): boolean {
    return this.paused;
  }

  /** Collect what `produce` publishes, then write it with backpressure (see `prepareBurst`). */
  async burst(produce: () => void): Promise<{ frames: number; bytes: number }> {
    const r = await this.prepareBurst(() => {
      produce();
      return 0;
    }).send();
    return { frames: r.frames, bytes: r.bytes };
  }

  /** A burst of `diffs` steps spread round-robin over `symbols` (`step` renders and publishes one symbol's diff). */
  async burstRoundRobin(symbols: readonly string[], diffs: number, step: (symbol: string) => void): Promise<BurstResult> {
    const t0 = performance.now();
    const r = await this.burst(() => {
      for (let i = 0; i < diffs && symbols.length > 0; i++) step(symbols[i % symbols.length]!);
    });
    return { diffs, frames: r.frames, bytes: r.bytes, ms: performance.now() - t0 };
  }

  /** See `Bursts.prepare`: `produce` runs now, its frames are pre-framed per connection; `send()` writes them. */
  prepareBurst(produce: () => number): PreparedBurst {
    return this.bursts.prepare(produce);
  }

  // ---- subscriptions and publishing ----
  subscribe(conn: SimConnection, topic: string): void {
    if (conn.topics.has(topic)) return;
    conn.topics.add(topic);
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(conn);
    const sym = this.protocol.topicSymbol(topic);
    if (sym !== undefined) conn.symbols.add(sym);
  }

  unsubscribe(conn: SimConnection, topic: string): void {
    if (!conn.topics.delete(topic)) return;
    this.byTopic.get(topic)?.delete(conn);
    const sym = this.protocol.topicSymbol(topic);
    if (sym !== undefined && ![...conn.topics].some((t) => this.protocol.topicSymbol(t) === sym)) conn.symbols.delete(sym);
  }

  hasSubscribers(topic: string): boolean {
    const set = this.byTopic.get(topic);
    return set !== undefined && set.size > 0;
  }

  /** Send a data frame on `topic` to every subscriber; `render(conn)` gives the text for that connection. */
  publish(topic: string, symbol: string | undefined, render: (conn: SimConnection) => string): number {
    const set = this.byTopic.get(topic);
    if (!set || set.size === 0) return 0;
    let n = 0;
    for (const conn of set) if (conn.sendData(render(conn), symbol)) n++;
    return n;
  }

  /**
   * Would a data frame on one of `topics` carrying `symbol` reach at least one subscriber now (open, not under
   * silence / stop-all / black-hole)?
   */
  deliverable(topics: string | readonly string[], symbol: string | undefined): boolean {
    for (const topic of typeof topics === 'string' ? [topics] : topics) {
      const set = this.byTopic.get(topic);
      if (set === undefined) continue;
      for (const conn of set) if (conn.open && this.dataAllowed(conn, symbol)) return true;
    }
    return false;
  }

  /**
   * Take one firing of a per-frame fault of `kind` aimed at `symbol` — only at the moment it can act: call it when a
   * data frame of that kind on `topics` is about to go out, and it returns undefined (leaving the fault queued) when
   * no subscriber would receive the frame. A fault taken on a step that sends nothing would be lost: consumed with
   * nothing observable happening.
   */
  takeFrameFault(kind: string, topics: string | readonly string[], symbol: string): SimFault | undefined {
    if (this.faults.find(kind, (f) => faultSymbol(f) === symbol) === undefined) return undefined;
    if (!this.deliverable(topics, symbol)) return undefined;
    return this.faults.take(kind, (f) => faultSymbol(f) === symbol);
  }

  /** `drop-diff` → 'drop', `garbage-diff` → 'garbage' (see `takeFrameFault`: call it when a diff is about to go out). */
  takeDiffFault(topics: string | readonly string[], symbol: string): 'drop' | 'garbage' | undefined {
    if (this.takeFrameFault('drop-diff', topics, symbol)) return 'drop';
    if (this.takeFrameFault('garbage-diff', topics, symbol)) return 'garbage';
    return undefined;
  }

  /** `garbage-frame`: an unparseable frame before the data frame about to go out on `topics` (see `takeFrameFault`). */
  takeGarbageFrame(topics: string | readonly string[], symbol: string): boolean {
    return this.takeFrameFault('garbage-frame', topics, symbol) !== undefined;
  }

  dataAllowed(conn: SimConnection, symbol: string | undefined): boolean {
    if (this.faults.connectionFault('stop-all', conn.symbols)) return false;
    if (this.faults.connectionFault('silence', conn.symbols)) return false;
    if (symbol !== undefined && this.faults.blackHoled(symbol)) return false;
    return true;
  }

  /** Low-level write of a data frame (joins the current burst batch if one is being collected). */
  write(conn: SimConnection, text: string): void {
    const batch = this.bursts.batch;
    if (batch) {
      let b = batch.get(conn);
      if (!b) batch.set(conn, (b = new FrameChunks()));
      b.add(text);
      return;
    }
    conn.ws.send(text);
  }

  // ---- faults ----
  fault(fault: SimFault): void {
    if (this.protocol.applyFault?.(fault)) return;
    const targets = (): SimConnection[] => {
      const sym = faultSymbol(fault);
      return [...this.connections].filter((c) => sym === undefined || c.symbols.has(sym));
    };
    switch (fault.kind) {
      case 'close': {
        const code = faultNumber(fault, 'code') ?? 1001;
        const reason = faultString(fault, 'reason') ?? 'sim: close fault';
        for (const c of targets()) c.close(code, reason);
        return;
      }
      case 'server-shutdown': {
        const delay = this.opts.shutdownCloseDelayMs ?? 100;
        for (const c of targets()) {
          this.protocol.shutdownNotice(c);
          setTimeout(() => c.close(1001, 'sim: server shutdown'), delay).unref();
        }
        return;
      }
      default:
        this.faults.add(fault);
    }
  }

  /** Clears every active fault; returns how many there were. */
  clearFaults(): number {
    const n = this.faults.list().length;
    this.faults.clear();
    return n;
  }

  /** Remove one fault added earlier (by identity), e.g. chaos mode ending a lasting fault it started. */
  removeFault(fault: SimFault): void {
    this.faults.remove(fault);
  }

  // ---- sockets ----
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (this.closed || !this.protocol.acceptUpgrade(url)) {
      this.logEntry({ kind: 'rest', data: req.url ?? '/', status: 404 });
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new SimConnection(this.nextConnId++, ws, socket, url.pathname, this);
      this.connections.add(conn);
      this.logEntry({ kind: 'ws-open', connection: conn.id, data: req.url ?? '/' });
      listenTo(this, conn, this.opts.enforceMessageRate !== false);
      this.protocol.onOpen(conn, url);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const c of this.connections) c.ws.terminate();
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
