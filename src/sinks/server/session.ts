/**
 * One connected client: its commands, its subscriptions and its outgoing queue. The queue is ws's own send
 * buffer, measured by `bufferedAmount`: above the high-water mark the client is *behind* (its streams conflate
 * or drop, see ClientStream), at the low-water mark it is caught up again; behind for too long, or past the hard
 * cap, it is disconnected with close code 4008. Writes never wait for a client, so one slow client never delays
 * the others.
 *
 * The messages of one event-loop turn leave together: the client's socket is corked for the turn (TurnBatch: one
 * write system call for all of them instead of one per message; none waits for more than 100 µs of later frames,
 * whichever client or market those frames are for: the batches of every client share the server's TurnClock).
 * A stream message is handed to ws as the Buffer ClientStream built (the event's bytes encoded once for every
 * client), sent as a text frame.
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { Hub } from '../../pipeline/hub.js';
import type { Metrics } from '../../pipeline/metrics.js';
import { interval, type SchedulerLike } from 'rxjs';
import { ackReply, canonicalName, commandOf, errorReply, parseStreamName, type ClientCommand, type CommandId, type StreamName } from './protocol.js';
import type { StreamRegistry } from './registry.js';
import type { ServerSettings } from './options.js';
import { ClientStream, type StreamHost, type StreamMode } from './client-stream.js';
import { CommandBucket } from './command-rate.js';
import { TurnBatch, type TurnClock } from '../../util/turn-batch.js';

/** Close codes the server uses. */
export const CLOSE_SLOW_CONSUMER = 4008;
export const CLOSE_RATE_LIMIT = 4029;
export const CLOSE_SHUTDOWN = 1001;

/**
 * What one queued reply costs beyond its bytes (ws frame header buffer, the data Buffer object, the writable's
 * queue entries): counted with its bytes against the queue bounds, so that a flood of tiny replies to a client that
 * never reads is bounded in memory, not only in payload bytes. (Stream messages need no such term: once the queue is
 * over the high-water mark none is written.)
 */
export const REPLY_OVERHEAD_BYTES = 512;

/** Every stream message is a text frame, also when ClientStream hands it over as a Buffer of UTF-8. */
const TEXT_FRAME = Object.freeze({ binary: false });

export interface SessionContext {
  hub: Hub;
  registry: StreamRegistry;
  settings: ServerSettings;
  metrics: Metrics;
  scheduler: SchedulerLike;
  logger: Logger;
  /** The server's clock of open turn batches (advanced by the registry with every event it routes). */
  turns: TurnClock;
  /** Where the streams come from: under `recording` (serve --replay) an unknown symbol is "not in the recording". */
  source: 'exchange' | 'recording';
  /** The session fell behind: the server checks it until it catches up or times out. */
  onBehind(s: ClientSession): void;
  onClosed(s: ClientSession): void;
}

export class ClientSession implements StreamHost {
  readonly streams = new Map<string, ClientStream>();
  /** A stream key as the client spelled it (native id, settle form) → the canonical key it subscribed. */
  private readonly aliases = new Map<string, string>();
  /** Keys of subscriptions whose upstream add is still pending. */
  private readonly pending = new Set<string>();
  private subCounter = 0;
  behindSince: number | undefined;
  alive = true;
  sent = 0;
  private closed = false;
  private readonly low: number;
  private readonly batch: TurnBatch;
  /** Replies handed to ws whose write has not completed yet (their bytes are in `bufferedAmount`). */
  private queuedReplies = 0;
  private readonly replyWritten = (): void => {
    this.queuedReplies--;
  };
  private readonly commands: CommandBucket;

  /** `socket`: the connection `ws` runs on (the upgrade's socket), corked while a turn's messages are written. */
  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    socket: Duplex,
    readonly remote: string,
    private readonly ctx: SessionContext,
  ) {
    this.batch = new TurnBatch(() => socket.cork(), () => socket.uncork(), ctx.turns);
    const l = ctx.settings.limits;
    this.low = l.lowWaterBytes ?? Math.floor(l.highWaterBytes / 4);
    this.commands = new CommandBucket(l.maxCommandsPerSecond, l.commandBurst ?? 2 * l.maxCommandsPerSecond, ctx.scheduler.now());
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => this.cleanup('client'));
    ws.on('error', (err) => {
      ctx.logger.debug({ err, client: id }, 'client socket error');
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** What this client's queue holds: ws's unsent bytes (replies included) plus the per-reply overhead. */
  queuedBytes(): number {
    return this.ws.bufferedAmount + this.queuedReplies * REPLY_OVERHEAD_BYTES;
  }

  private markBehind(): void {
    if (this.behindSince !== undefined) return;
    this.behindSince = this.ctx.scheduler.now();
    this.ctx.metrics.inc('tickwire_server_behind_total', {});
    this.ctx.onBehind(this);
  }

  // ---- StreamHost ----

  room(): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return false;
    if (this.behindSince !== undefined) return false;
    if (this.queuedBytes() > this.ctx.settings.limits.highWaterBytes) {
      this.markBehind();
      return false;
    }
    return true;
  }

  write(message: string | Buffer, at: number): void {
    this.sent++;
    this.batch.add(at);
    this.ws.send(message, TEXT_FRAME);
  }

  snapshotBody(s: StreamName): string | undefined {
    const b = this.ctx.hub.book(s.exchange, s.symbol);
    if (b === undefined || b.state !== 'live') return undefined;
    return JSON.stringify(b.sync.snapshotEvent(this.nowMicros())).slice(1);
  }

  isLive(s: StreamName): boolean {
    return this.ctx.hub.book(s.exchange, s.symbol)?.state === 'live';
  }

  topBody(s: StreamName, depth: number): string | undefined {
    const b = this.ctx.hub.book(s.exchange, s.symbol);
    if (b === undefined || b.state !== 'live') return undefined;
    const { bids, asks } = b.sync.book.top(depth);
    const e = {
      type: 'book_top',
      exchange: b.exchange,
      symbol: b.symbol,
      market: b.market,
      localTime: this.nowMicros(),
      integrity: this.ctx.registry.bookIntegrity(b.exchange, b.symbol) ?? 'none',
      ...(b.updateId !== undefined ? { updateId: b.updateId } : {}),
      depth,
      bids,
      asks,
    };
    return JSON.stringify(e).slice(1);
  }

  nowMicros(): number {
    return this.ctx.hub.clock.nowMicros();
  }

  noteConflation(s: StreamName): void {
    this.ctx.metrics.inc('tickwire_server_conflations_total', { exchange: s.exchange });
  }

  noteDrop(s: StreamName, n: number): void {
    this.ctx.metrics.inc('tickwire_server_dropped_total', { exchange: s.exchange, channel: s.channel }, n);
  }

  // ---- slow-consumer policy ----

  /** Called periodically while behind: caught up → resume every stream; behind too long → disconnect. */
  checkBehind(now: number): 'resumed' | 'behind' | 'disconnected' {
    if (this.closed) return 'disconnected';
    const l = this.ctx.settings.limits;
    const buffered = this.queuedBytes();
    if (buffered > l.maxBufferedBytes) {
      this.disconnect(CLOSE_SLOW_CONSUMER, 'slow consumer: send buffer over its cap', 'slow_consumer');
      return 'disconnected';
    }
    if (buffered <= this.low) {
      this.behindSince = undefined;
      for (const s of this.streams.values()) s.resume();
      return 'resumed';
    }
    if (this.behindSince !== undefined && now - this.behindSince >= l.slowClientTimeoutMs) {
      this.disconnect(CLOSE_SLOW_CONSUMER, `slow consumer: behind for ${now - this.behindSince} ms`, 'slow_consumer');
      return 'disconnected';
    }
    return 'behind';
  }

  // ---- commands ----

  /**
   * A reply (ack/error): always queued, and counted like data: past the high-water mark the client is behind
   * (and disconnected if it stays behind), past the hard cap it is disconnected at once.
   */
  private reply(text: string): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    const l = this.ctx.settings.limits;
    const queued = this.queuedBytes();
    if (queued > l.maxBufferedBytes) {
      this.disconnect(CLOSE_SLOW_CONSUMER, 'slow consumer: send buffer over its cap', 'slow_consumer');
      return;
    }
    if (queued > l.highWaterBytes) this.markBehind();
    this.queuedReplies++;
    this.ws.send(text, this.replyWritten);
  }

  private error(id: CommandId | null, message: string, extra: { op?: string; code?: string; streams?: string[] } = {}): void {
    this.ctx.metrics.inc('tickwire_server_client_errors_total', { code: extra.code ?? 'TW_ERR_CLIENT_REQUEST' });
    const { code = 'TW_ERR_CLIENT_REQUEST', ...rest } = extra;
    this.reply(errorReply(id, code, message, rest));
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (!this.commands.take(this.ctx.scheduler.now())) {
      const rate = this.ctx.settings.limits.maxCommandsPerSecond;
      this.ctx.metrics.inc('tickwire_server_rate_limited_total', {});
      this.disconnect(CLOSE_RATE_LIMIT, `too many commands: over ${rate} per second`, 'rate_limit');
      this.ws.pause(); // its later frames are not even read (the close handshake is bounded by closeTimeoutMs)
      return;
    }
    const r = commandOf(data, isBinary, this.ctx.settings.limits.maxFrameBytes);
    if (!r.ok) {
      this.error(r.id, r.message);
      return;
    }
    this.handle(r.cmd);
  }

  private handle(cmd: ClientCommand): void {
    switch (cmd.op) {
      case 'ping':
        this.reply(ackReply(cmd.id, 'ping', { time: this.nowMicros() }));
        return;
      case 'list':
        this.reply(ackReply(cmd.id, 'list', { subscriptions: [...this.streams.values()].map((s) => s.info()) }));
        return;
      case 'unsubscribe':
        this.unsubscribe(cmd.id, cmd.streams);
        return;
      case 'subscribe':
        this.subscribe(cmd).catch((err: unknown) => {
          this.ctx.logger.error({ err, client: this.id }, 'subscribe failed');
          this.error(cmd.id, `subscribe failed: ${(err as Error).message}`, { op: 'subscribe' });
        });
        return;
    }
  }

  /** Validate every stream name first: one bad name fails the whole command and nothing changes. */
  private names(id: CommandId, op: string, streams: string[]): StreamName[] | undefined {
    const out = new Map<string, StreamName>();
    for (const s of streams) {
      const n = parseStreamName(s);
      if (typeof n === 'string') {
        this.error(id, n, { op, streams: [s] });
        return undefined;
      }
      out.set(n.key, n);
    }
    return [...out.values()];
  }

  private async subscribe(cmd: Extract<ClientCommand, { op: 'subscribe' }>): Promise<void> {
    const given = this.names(cmd.id, 'subscribe', cmd.streams);
    if (given === undefined) return;
    // native ids and settle forms become the unified stream the events name (one stream however it was spelled)
    const resolve = this.ctx.hub.resolve.bind(this.ctx.hub);
    const canonical = await Promise.all(given.map((n) => canonicalName(resolve, n)));
    if (this.closed) return;
    const names = [...new Map(canonical.map((n) => [n.key, n])).values()];
    given.forEach((g, i) => {
      if (g.key !== canonical[i]!.key) this.aliases.set(g.key, canonical[i]!.key);
    });
    const dup = names.filter((n) => this.streams.has(n.key) || this.pending.has(n.key)).map((n) => n.key);
    if (dup.length > 0) {
      this.error(cmd.id, `already subscribed to ${dup.join(', ')}`, { op: 'subscribe', streams: dup });
      return;
    }
    const max = this.ctx.settings.limits.maxSubscriptionsPerClient;
    if (this.streams.size + this.pending.size + names.length > max) {
      this.error(cmd.id, `too many subscriptions: ${this.streams.size + this.pending.size} held + ${names.length} asked > limit ${max}`, {
        op: 'subscribe',
      });
      return;
    }
    const top = cmd.top ?? this.ctx.settings.top;
    const every = cmd.every ?? this.ctx.settings.every;
    for (const n of names) this.pending.add(n.key);
    // Validate every symbol first (hub.add with no channel subscribes nothing), so a command naming an unknown
    // symbol changes nothing upstream either.
    let valid: boolean[];
    try {
      valid = await Promise.all(names.map((n) => this.ctx.hub.add(n.exchange, n.symbol, [])));
    } catch (err) {
      for (const n of names) this.pending.delete(n.key);
      this.error(cmd.id, (err as Error).message, { op: 'subscribe' }); // e.g. an exchange without an adapter yet
      return;
    }
    const bad = names.filter((_, i) => !valid[i]).map((n) => n.key);
    if (bad.length > 0 || this.closed) {
      for (const n of names) this.pending.delete(n.key);
      const why = this.ctx.source === 'recording' ? 'not in the recording' : 'not listed by the exchange, or not trading';
      this.error(cmd.id, `unknown symbol: ${bad.join(', ')} (${why})`, {
        op: 'subscribe',
        code: 'TW_ERR_UNKNOWN_SYMBOL',
        streams: bad,
      });
      return;
    }
    const leases = names.map((n) => this.ctx.registry.acquire(n));
    const oks = await Promise.all(leases.map((l) => l.ok));
    for (const n of names) this.pending.delete(n.key);
    const refused = names.filter((_, i) => !oks[i]).map((n) => n.key);
    if (this.closed || refused.length > 0) {
      for (const l of leases) l.release();
      this.error(cmd.id, `upstream refused ${refused.join(', ')}`, { op: 'subscribe', code: 'TW_ERR_UNKNOWN_SYMBOL', streams: refused });
      return;
    }
    const created: ClientStream[] = [];
    names.forEach((n, i) => {
      const mode: StreamMode = n.channel === 'book' && top > 0 ? { kind: 'top', depth: top, everyMs: every } : { kind: 'deltas' };
      const epoch = `${this.ctx.hub.epoch}.${this.id}.${++this.subCounter}`;
      const s = new ClientStream(n, epoch, mode, leases[i]!, this);
      this.streams.set(n.key, s);
      this.ctx.registry.attach(s);
      created.push(s);
    });
    this.reply(ackReply(cmd.id, 'subscribe', { subscriptions: created.map((s) => s.info()) }));
    for (const s of created) {
      s.start();
      if (s.mode.kind === 'top') s.timer = interval(s.mode.everyMs, this.ctx.scheduler).subscribe(() => s.tick());
    }
  }

  private unsubscribe(id: CommandId, streams: string[]): void {
    const given = this.names(id, 'unsubscribe', streams);
    if (given === undefined) return;
    const names = given.map((n): StreamName => {
      const key = this.aliases.get(n.key);
      return key === undefined ? n : (this.streams.get(key)?.name ?? n);
    });
    const missing = names.filter((n) => !this.streams.has(n.key)).map((n) => n.key);
    if (missing.length > 0) {
      this.error(id, `not subscribed to ${missing.join(', ')}`, { op: 'unsubscribe', streams: missing });
      return;
    }
    for (const n of names) this.drop(n.key);
    this.reply(ackReply(id, 'unsubscribe', { streams: names.map((n) => n.key) }));
  }

  private drop(key: string): void {
    const s = this.streams.get(key);
    if (!s) return;
    this.streams.delete(key);
    s.timer?.unsubscribe();
    this.ctx.registry.detach(s);
    s.lease.release();
  }

  // ---- lifecycle ----

  /** Close with a code and reason; the socket is terminated if the handshake does not finish in time. */
  disconnect(code: number, reason: string, why: string): void {
    if (this.closed) return;
    this.ctx.logger.info({ client: this.id, code, reason }, 'disconnecting client');
    this.cleanup(why);
    this.ws.close(code, reason);
    const t = this.ctx.scheduler.schedule(() => this.ws.terminate(), this.ctx.settings.limits.closeTimeoutMs);
    this.ws.once('close', () => t.unsubscribe());
  }

  /** Dead (no pong since the last ping): terminate. */
  terminate(why: string): void {
    if (this.closed) return;
    this.cleanup(why);
    this.ws.terminate();
  }

  private cleanup(why: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.metrics.inc('tickwire_server_disconnects_total', { reason: why });
    this.ctx.logger.info({ client: this.id, remote: this.remote, reason: why, streams: this.streams.size }, 'client disconnected');
    for (const key of [...this.streams.keys()]) this.drop(key);
    this.ctx.onClosed(this);
  }
}
