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
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ExchangeId } from '../schema/events.js';
import { CONTROL_MAX_BODY, CONTROL_PREFIX, handleControl } from './control.js';
import { FaultSet, faultNumber, faultString, faultSymbol } from './faults.js';
import { FrameChunks, writeChunks } from './frame-chunks.js';
import type { SimBook, SimDerivative, SimFault, SimLiquidation, SimLogEntry } from './types.js';

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Path with query, as received. */
  url: string;
}

export interface RestResponse {
  status: number;
  /** Objects are JSON-encoded. */
  body: string | object;
  headers?: Record<string, string>;
}

export interface BurstOptions {
  /** Unified symbols (default: all). */
  symbols?: string[];
  /** Number of diffs in total, spread round-robin over the symbols. */
  diffs: number;
}

export interface BurstResult {
  diffs: number;
  /** Frames written (all connections). */
  frames: number;
  /** Payload bytes (all connections). */
  bytes: number;
  /** Generating, rendering and pre-framing (protocols with `burstProducer`). */
  produceMs?: number;
  /** Writing to the sockets, bounded by the clients' reading under backpressure (protocols with `burstProducer`). */
  writeMs?: number;
  ms: number;
}

/** A burst generated and pre-framed, not yet written; data timers are suspended until `send()` or `cancel()`. */
export interface PreparedBurst {
  diffs: number;
  frames: number;
  bytes: number;
  produceMs: number;
  send(): Promise<BurstResult>;
  cancel(): void;
}

/** What a protocol implements; see the file comment. */
export interface SimProtocol {
  readonly exchange: ExchangeId;
  /** WebSocket ping frame period (ms); 0 = none. */
  readonly pingIntervalMs: number;
  /** Incoming messages allowed per second per connection (text + client pings + unsolicited pongs); 0 = no limit. */
  readonly maxIncomingPerSec: number;
  /** Called once when the server is listening. */
  start(server: SimServer): void;
  /** Accept a WebSocket upgrade on this URL (path + query)? */
  acceptUpgrade(url: URL): boolean;
  onOpen(conn: SimConnection, url: URL): void;
  onMessage(conn: SimConnection, text: string): void;
  handleRest(req: RestRequest): RestResponse | Promise<RestResponse>;
  restFaultResponse(fault: SimFault): RestResponse;
  /** The unified symbol a topic carries, undefined if none/unknown. */
  topicSymbol(topic: string): string | undefined;
  shutdownNotice(conn: SimConnection): void;
  /** The true book after the last emitted update, in the exchange's wire format and ids. */
  trueBook(symbol: string): SimBook | undefined;
  /** The true book at the exchange's update id, when still in history. */
  trueBookAt(symbol: string, updateId: number): SimBook | undefined;
  /** Derivative states and liquidations published for a symbol, where the protocol has them (sim/derivatives.ts). */
  published?(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] };
  /** Send `opts.diffs` diffs as fast as the sockets accept (usually `server.burst(producer)`). */
  burst(opts: BurstOptions): Promise<BurstResult>;
  /**
   * Optional: a producer for `SimServer.prepareBurst` that emits `opts.diffs` diffs and returns how many; enables
   * `Simulator.prepareBurst` (benchmarks time the send alone).
   */
  burstProducer?(opts: BurstOptions): () => number;
  /** Exchange-specific faults; return true when handled. */
  applyFault?(fault: SimFault): boolean;
}

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

/** The log of every request and frame received (plus control frames sent), bounded. */
export class SimLog {
  private readonly items: SimLogEntry[] = [];
  constructor(private readonly max = 200_000) {}
  add(entry: SimLogEntry): void {
    this.items.push(entry);
    if (this.items.length > this.max) this.items.splice(0, this.items.length - this.max);
  }
  entries(): readonly SimLogEntry[] {
    return this.items;
  }
  clear(): void {
    this.items.length = 0;
  }
}

export class SimConnection {
  /** Topics in subscription order. */
  readonly topics = new Set<string>();
  /** Unified symbols carried by the topics (fault targeting). */
  readonly symbols = new Set<string>();
  /** Protocol-defined mode (e.g. Binance `combined` | `raw`). */
  mode = '';
  /** Free slot for protocol state. */
  state: Record<string, unknown> = {};
  readonly openedAt = Date.now();
  /** Payloads of our recent pings not yet answered (their pongs do not count against the message rate). */
  readonly pendingPings: string[] = [];
  incoming: number[] = [];

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly socket: Duplex,
    readonly path: string,
    private readonly server: SimServer,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Data frame: suppressed by silence / stop-all (and black-hole when `symbol` is given). */
  sendData(text: string, symbol?: string): boolean {
    if (!this.open || !this.server.dataAllowed(this, symbol)) return false;
    this.server.write(this, text);
    return true;
  }

  /** Control reply (ack, error, pong text): suppressed only by stop-all. Logged. */
  sendControl(text: string): boolean {
    if (!this.open || this.server.faults.connectionFault('stop-all', this.symbols)) return false;
    this.server.logEntry({ kind: 'ws-send-control', connection: this.id, data: text });
    this.ws.send(text);
    return true;
  }

  close(code: number, reason: string): void {
    this.server.logEntry({ kind: 'ws-send-control', connection: this.id, data: `close ${code} ${reason}` });
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
  }
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
  private bursting = 0;
  private batch: Map<SimConnection, FrameChunks> | undefined;
  private closed = false;
  port = 0;

  constructor(
    readonly protocol: SimProtocol,
    private readonly opts: SimServerOptions,
  ) {
    this.wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
    this.http = createServer((req, res) => void this.onRest(req, res));
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
      this.timers.push(setInterval(() => this.pingAll(), this.protocol.pingIntervalMs));
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
        if (this.paused || this.bursting !== 0) return;
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

  /**
   * Run `produce` with publishing collected into per-connection batches, pre-framed as WebSocket text frames in
   * large chunks; data timers stay suspended until the burst is sent or cancelled. `send()` then writes the chunks
   * straight to the sockets, waiting for 'drain' (backpressure), and resolves when everything was handed to the OS.
   */
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

  prepareBurst(produce: () => number): PreparedBurst {
    const t0 = performance.now();
    this.bursting += 1;
    const batch = new Map<SimConnection, FrameChunks>();
    this.batch = batch;
    let diffs = 0;
    try {
      diffs = produce();
    } catch (err) {
      this.bursting -= 1;
      throw err;
    } finally {
      this.batch = undefined;
    }
    const plans = [...batch].map(([conn, b]) => ({ conn, ...b.finish() }));
    const frames = plans.reduce((a, p) => a + p.frames, 0);
    const bytes = plans.reduce((a, p) => a + p.bytes, 0);
    const produceMs = performance.now() - t0;
    let done = false;
    const finish = (): void => {
      if (!done) this.bursting -= 1;
      done = true;
    };
    return {
      diffs,
      frames,
      bytes,
      produceMs,
      cancel: finish,
      send: async () => {
        if (done) throw new Error('sim: burst already sent or cancelled');
        const t1 = performance.now();
        try {
          await Promise.all(plans.map((p) => writeChunks(p.conn.socket, () => p.conn.open, p.chunks)));
        } finally {
          finish();
        }
        return { diffs, frames, bytes, produceMs, writeMs: performance.now() - t1, ms: performance.now() - t0 };
      },
    };
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
    if (this.batch) {
      let b = this.batch.get(conn);
      if (!b) this.batch.set(conn, (b = new FrameChunks()));
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
      ws.on('message', (data: RawData) => this.onMessage(conn, data));
      ws.on('ping', (data: Buffer) => this.onPing(conn, data));
      ws.on('pong', (data: Buffer) => this.onPong(conn, data));
      ws.on('close', (code: number, reason: Buffer) => this.onClose(conn, code, reason.toString()));
      ws.on('error', () => undefined);
      this.protocol.onOpen(conn, url);
    });
  }

  private onMessage(conn: SimConnection, data: RawData): void {
    const text = Array.isArray(data) ? Buffer.concat(data).toString() : Buffer.from(data as ArrayBuffer).toString();
    this.logEntry({ kind: 'ws-recv', connection: conn.id, data: text });
    if (!this.countIncoming(conn)) return;
    this.protocol.onMessage(conn, text);
  }

  private onPing(conn: SimConnection, data: Buffer): void {
    this.logEntry({ kind: 'ws-recv-control', connection: conn.id, data: `ping ${data.toString()}` });
    if (!this.countIncoming(conn)) return;
    if (this.faults.connectionFault('stop-all', conn.symbols)) return;
    if (conn.open) conn.ws.pong(data);
  }

  private onPong(conn: SimConnection, data: Buffer): void {
    const payload = data.toString();
    this.logEntry({ kind: 'ws-recv-control', connection: conn.id, data: `pong ${payload}` });
    const i = conn.pendingPings.indexOf(payload);
    if (i >= 0) {
      conn.pendingPings.splice(0, i + 1); // the answer to our ping does not count against the rate
      return;
    }
    this.countIncoming(conn);
  }

  /** Count an incoming message; false (and the socket closed) when over the protocol's per-second limit. */
  private countIncoming(conn: SimConnection): boolean {
    const max = this.protocol.maxIncomingPerSec;
    if (max <= 0 || this.opts.enforceMessageRate === false) return true;
    const now = Date.now();
    conn.incoming = conn.incoming.filter((t) => now - t < 1000);
    conn.incoming.push(now);
    if (conn.incoming.length > max) {
      conn.close(1008, 'Too many requests');
      return false;
    }
    return true;
  }

  private onClose(conn: SimConnection, code: number, reason: string): void {
    this.logEntry({ kind: 'ws-close', connection: conn.id, data: `${code} ${reason}` });
    for (const t of [...conn.topics]) this.unsubscribe(conn, t);
    this.connections.delete(conn);
  }

  private pingAll(): void {
    for (const conn of this.connections) {
      if (!conn.open || this.faults.connectionFault('stop-all', conn.symbols)) continue;
      const payload = String(Date.now());
      conn.pendingPings.push(payload);
      if (conn.pendingPings.length > 16) conn.pendingPings.shift();
      this.logEntry({ kind: 'ws-send-control', connection: conn.id, data: `ping ${payload}` });
      conn.ws.ping(payload);
    }
  }

  // ---- REST ----
  private async onRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://sim');
    if (url.pathname.startsWith(CONTROL_PREFIX)) return this.onControl(req, res, url);
    const request: RestRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, url: rawUrl };
    let response: RestResponse;
    let fault: SimFault | undefined;
    try {
      fault = this.faults.takeRest();
      response = fault ? this.protocol.restFaultResponse(fault) : await this.protocol.handleRest(request);
    } catch (err) {
      response = { status: 500, body: { code: -1000, msg: `sim: ${err instanceof Error ? err.message : String(err)}` } };
    }
    response = withRetryAfter(response, fault);
    const delay = this.faults.takeRestDelay();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    const headers = response.headers ?? {};
    this.logEntry({ kind: 'rest', data: rawUrl, status: response.status, headers });
    if (res.destroyed) return;
    res.writeHead(response.status, {
      'Content-Type': typeof response.body === 'string' ? 'text/plain' : 'application/json;charset=UTF-8',
      'Content-Length': Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
  }

  /** `/_sim/…` control endpoints (see ./control.ts): never subject to REST faults, bodies up to 16 KiB. */
  private async onControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > CONTROL_MAX_BODY) break;
      chunks.push(chunk);
    }
    const r =
      size > CONTROL_MAX_BODY
        ? { status: 413, body: { error: `body over ${CONTROL_MAX_BODY} bytes` } }
        : handleControl(
            {
              exchange: this.exchange,
              symbols: this.opts.symbols ?? [],
              fault: (f) => this.fault(f),
              clearFaults: () => this.clearFaults(),
              activeFaults: () => this.faults.list(),
              trueBook: (s) => this.protocol.trueBook(s),
              trueBookAt: (s, id) => this.protocol.trueBookAt(s, id),
              pause: () => this.pause(),
              resume: () => this.resume(),
            },
            { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body: Buffer.concat(chunks).toString() },
          );
    const body = JSON.stringify(r.body);
    this.logEntry({ kind: 'rest', data: req.url ?? '/', status: r.status });
    if (res.destroyed) return;
    res.writeHead(r.status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    res.end(body);
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

/**
 * 429/418 (and a ban rendered as 403) carry `Retry-After` (the fault's `retryAfterSec`, default 1) unless the fault
 * says `retryAfter: false`; a protocol's own header value wins.
 */
function withRetryAfter(response: RestResponse, fault: SimFault | undefined): RestResponse {
  if (!fault || (fault.kind !== 'rest-429' && fault.kind !== 'rest-418')) return response;
  const headers = { ...response.headers };
  if ((fault as Record<string, unknown>)['retryAfter'] === false) delete headers['Retry-After'];
  else headers['Retry-After'] ??= String(faultNumber(fault, 'retryAfterSec') ?? 1);
  return { ...response, headers };
}
