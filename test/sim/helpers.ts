/** Test helpers for the simulator: an event-driven WebSocket probe and a tiny Binance book rebuild. */
import { WebSocket } from 'ws';
import type { Level } from '../../src/schema/events.js';

type Listener = () => void;

/** A client socket that records every text frame, ping and close; `until()` waits for a condition, no sleeps. */
export class WsProbe {
  readonly frames: string[] = [];
  readonly pings: string[] = [];
  readonly pongs: string[] = [];
  closed: { code: number; reason: string } | undefined;
  private listeners = new Set<Listener>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.frames.push(d.toString());
      this.changed();
    });
    ws.on('ping', (d) => {
      this.pings.push(d.toString());
      this.changed();
    });
    ws.on('pong', (d) => {
      this.pongs.push(d.toString());
      this.changed();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.changed();
    });
    ws.on('error', () => this.changed());
  }

  static open(url: string): Promise<WsProbe> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const probe = new WsProbe(ws);
      ws.once('open', () => resolve(probe));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  /** Resolve when `cond()` holds (checked on every socket event), reject after `timeoutMs`. */
  until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!cond()) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timeout waiting for ${what} (${this.frames.length} frames, ${this.pings.length} pings)`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  send(v: unknown): void {
    this.ws.send(typeof v === 'string' ? v : JSON.stringify(v));
  }

  /** Parsed JSON frames (unparseable ones skipped). */
  json(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const f of this.frames) {
      try {
        out.push(JSON.parse(f) as Record<string, unknown>);
      } catch {
        // garbage frames are counted by the tests that inject them
      }
    }
    return out;
  }

  /** `data` payloads of combined frames on `stream`. */
  data(stream: string): Record<string, unknown>[] {
    return this.json()
      .filter((f) => f['stream'] === stream)
      .map((f) => f['data'] as Record<string, unknown>);
  }

  close(): void {
    this.ws.terminate();
  }
}

export interface Depth {
  U: number;
  u: number;
  pu?: number;
  b: Level[];
  a: Level[];
}

export interface Snapshot {
  lastUpdateId: number;
  bids: Level[];
  asks: Level[];
}

/**
 * Local book rebuild with Binance's rules (docs/protocols/binance.md#spot-book-sync, #usd-m-futures), kept independent of
 * src/exchanges/ on purpose. Throws on any gap.
 */
export class Rebuild {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  lastId = -1;
  applied = 0;
  private synced = false;
  private prevU: number | undefined;
  private buffer: Depth[] = [];

  constructor(private readonly futures: boolean) {}

  get live(): boolean {
    return this.synced;
  }

  onDepth(d: Depth): void {
    if (!this.synced) {
      this.buffer.push(d);
      return;
    }
    this.apply(d);
  }

  /** Apply a snapshot; returns false when it is older than the buffer (fetch again). */
  onSnapshot(s: Snapshot): boolean {
    const first = this.buffer[0];
    if (first && s.lastUpdateId < first.U && !this.futures) return false;
    this.bids = new Map(s.bids);
    this.asks = new Map(s.asks);
    this.lastId = s.lastUpdateId;
    const keep = this.buffer.filter((d) => (this.futures ? d.u >= s.lastUpdateId : d.u > s.lastUpdateId));
    const head = keep[0];
    if (head) {
      // futures: the snapshot inside the first event, or exactly on the boundary before it (pu == lastUpdateId)
      const ok = this.futures
        ? (head.U <= s.lastUpdateId && head.u >= s.lastUpdateId) || head.pu === s.lastUpdateId
        : head.U <= s.lastUpdateId + 1 && s.lastUpdateId + 1 <= head.u;
      if (!ok) throw new Error(`first event [${head.U},${head.u}] does not straddle snapshot ${s.lastUpdateId}`);
    }
    this.synced = true;
    this.buffer = [];
    let firstEvent = true;
    for (const d of keep) {
      this.apply(d, firstEvent);
      firstEvent = false;
    }
    return true;
  }

  private apply(d: Depth, first = false): void {
    if (this.futures) {
      if (!first && this.prevU !== undefined && d.pu !== this.prevU) throw new Error(`pu ${d.pu} != previous u ${this.prevU}`);
    } else {
      if (d.u < this.lastId) return;
      if (d.U > this.lastId + 1) throw new Error(`gap: U ${d.U} > ${this.lastId} + 1`);
    }
    for (const [p, q] of d.b) (Number(q) === 0 ? this.bids.delete(p) : this.bids.set(p, q));
    for (const [p, q] of d.a) (Number(q) === 0 ? this.asks.delete(p) : this.asks.set(p, q));
    this.lastId = d.u;
    this.prevU = d.u;
    this.applied++;
  }

  book(): { bids: Level[]; asks: Level[] } {
    return {
      bids: [...this.bids].sort((x, y) => Number(y[0]) - Number(x[0])),
      asks: [...this.asks].sort((x, y) => Number(x[0]) - Number(y[0])),
    };
  }
}

export async function getJson(url: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // non-JSON body (404 page)
  }
  return { status: res.status, headers: res.headers, body };
}
