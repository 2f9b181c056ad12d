/**
 * One client's subscription to one stream. It numbers what it sends (`seq` per client subscription, +1 per
 * message meant for the client, dropped ones included — a hole in `seq` is loss, and a `gap` status names it),
 * and applies the slow-consumer policy of its channel: a book stream is conflated (deltas dropped, a fresh
 * snapshot once the client caught up), other streams drop with a gap marker.
 */
import type { Subscription } from 'rxjs';
import type { StreamName } from './protocol.js';
import type { RoutedEvent, StreamSink, Lease } from './registry.js';

/** What a client stream needs from its session. */
export interface StreamHost {
  /** May a data message be written now? False while the client is behind. */
  room(): boolean;
  /** Send one message (a Buffer: its UTF-8); `at`: the localTime (µs) of the event it carries, or now (batching bound, see Session). */
  write(message: string | Buffer, at: number): void;
  /** The current live book as a `book_snapshot` body (JSON members after `{`), or undefined when not live. */
  snapshotBody(s: StreamName): string | undefined;
  /** A `book_top` body of the current live book, or undefined when not live. */
  topBody(s: StreamName, depth: number): string | undefined;
  isLive(s: StreamName): boolean;
  nowMicros(): number;
  /** A book stream was conflated / events were dropped (server counters). */
  noteConflation(s: StreamName): void;
  noteDrop(s: StreamName, n: number): void;
}

export type StreamMode = { kind: 'deltas' } | { kind: 'top'; depth: number; everyMs: number };

export class ClientStream implements StreamSink {
  seq = 0;
  /** Book deltas mode: waiting for a snapshot (initial, or after a conflation while the book was not live). */
  awaitingSnapshot = false;
  private readonly prefix: string;
  private readonly prefixBytes: Buffer;
  private dropped = 0;
  private firstDropped = 0;
  private lastDropped = 0;
  timer: Subscription | undefined;

  constructor(
    readonly name: StreamName,
    readonly epoch: string,
    readonly mode: StreamMode,
    readonly lease: Lease,
    private readonly host: StreamHost,
  ) {
    this.prefix = `{"stream":${JSON.stringify(name.key)},"epoch":${JSON.stringify(epoch)},"seq":`;
    this.prefixBytes = Buffer.from(this.prefix);
  }

  private get isBookDeltas(): boolean {
    return this.name.channel === 'book' && this.mode.kind === 'deltas';
  }

  /** First message(s) after the ack: the current book when it is live, else wait for the next snapshot. */
  start(): void {
    if (!this.isBookDeltas) return;
    const body = this.host.snapshotBody(this.name);
    if (body === undefined) this.awaitingSnapshot = true;
    else this.send(body);
  }

  onEvent(r: RoutedEvent): void {
    const e = r.event;
    if (e.type === 'book_delta' || e.type === 'book_snapshot') {
      if (this.mode.kind === 'top') return;
      if (e.type === 'book_delta' && this.awaitingSnapshot) return;
      if (e.type === 'book_snapshot') this.awaitingSnapshot = false;
    }
    this.send(r.bytes(), e.localTime);
  }

  /** A top-N tick (mode top). */
  tick(): void {
    if (this.mode.kind !== 'top' || !this.host.isLive(this.name)) return;
    // a ladder is built only when it can be written; one meant for a client that is behind is counted as dropped
    const body = this.host.room() ? this.host.topBody(this.name, this.mode.depth) : '';
    if (body !== undefined) this.send(body);
  }

  /**
   * `body`: the JSON members after `{`, as a string, or as the UTF-8 bytes of a routed event, encoded once for every
   * client: then this client's message is its prefix's bytes, the `seq` digits and a copy of those bytes.
   */
  private send(body: string | Buffer, at = this.host.nowMicros()): void {
    const seq = ++this.seq;
    if (this.host.room()) {
      this.host.write(typeof body === 'string' ? this.prefix + seq + ',' + body : this.message(seq, body), at);
      return;
    }
    if (this.dropped === 0) {
      this.firstDropped = seq;
      if (this.isBookDeltas) this.host.noteConflation(this.name);
    }
    this.dropped++;
    this.lastDropped = seq;
  }

  private message(seq: number, body: Buffer): Buffer {
    const digits = String(seq);
    const p = this.prefixBytes.length;
    const out = Buffer.allocUnsafe(p + digits.length + 1 + body.length);
    this.prefixBytes.copy(out, 0);
    const at = p + out.write(digits, p, 'latin1');
    out[at] = 0x2c; // ','
    body.copy(out, at + 1);
    return out;
  }

  /** The client caught up: say what was lost, and re-snapshot a conflated book. */
  resume(): void {
    if (this.dropped === 0) return;
    const dropped = this.dropped;
    this.host.noteDrop(this.name, dropped);
    const status = {
      type: 'status',
      scope: 'stream',
      exchange: this.name.exchange,
      symbol: this.name.symbol,
      channel: this.name.channel,
      state: 'gap',
      code: 'TW_ERR_BACKPRESSURE',
      reason:
        `slow consumer: ${dropped} message(s) of ${this.name.key} dropped (seq ${this.firstDropped}..${this.lastDropped})` +
        (this.isBookDeltas ? '; a fresh book snapshot follows' : ''),
      details: { stream: this.name.key, dropped, firstSeq: this.firstDropped, lastSeq: this.lastDropped },
      localTime: this.host.nowMicros(),
    };
    this.dropped = 0;
    this.send(JSON.stringify(status).slice(1));
    if (this.isBookDeltas) {
      this.awaitingSnapshot = false;
      const body = this.host.snapshotBody(this.name);
      if (body === undefined) this.awaitingSnapshot = true;
      else this.send(body);
    }
  }

  info(): Record<string, unknown> {
    return {
      stream: this.name.key,
      epoch: this.epoch,
      seq: this.seq,
      ...(this.mode.kind === 'top' ? { top: this.mode.depth, every: this.mode.everyMs } : {}),
      ...(this.awaitingSnapshot ? { awaitingSnapshot: true } : {}),
    };
  }
}
