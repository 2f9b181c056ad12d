/**
 * Server test harness: the simulator on loopback, a real hub fed by it, `startServer` on port 0, and real `ws`
 * clients that record every message, rebuild books from their stream and await conditions (no sleeps).
 */
import { WebSocket, type ClientOptions } from 'ws';
import { expect } from 'vitest';
import { MarketEvent } from '../../../src/schema/events.js';
import { OrderBook } from '../../../src/book/order-book.js';
import { startSim, type Simulator, type SimOptions } from '../../../src/sim/index.js';
import { Hub } from '../../../src/pipeline/hub.js';
import { parseConfig } from '../../../src/config.js';
import { startServer, type StartServerOptions, type TickwireServer } from '../../../src/sinks/server/index.js';

export type Msg = Record<string, unknown> & { type: string };

export interface ServerHarness {
  sim: Simulator;
  hub: Hub;
  server: TickwireServer;
  clients: TestClient[];
  client(opts?: { token?: string; query?: string; ws?: ClientOptions }): Promise<TestClient>;
  close(): Promise<void>;
}

export async function startServerHarness(
  opts: { sim?: SimOptions; server?: Partial<Omit<StartServerOptions, 'hub'>> } = {},
): Promise<ServerHarness> {
  const sim = await startSim({ seed: 11, intervalMs: 10, pingIntervalMs: 1_000, exchanges: ['binance'], ...opts.sim });
  const config = parseConfig({
    endpoints: { binance: sim.endpoints.binance },
    reconcileIntervalMs: 0,
    noDataTimeoutMs: 5_000,
    staleAfterMs: 5_000,
    backoff: { initialMs: 50, maxMs: 400, factor: 2 },
    restTimeoutMs: 2_000,
  });
  const hub = new Hub(config);
  const server = await startServer({ hub, port: 0, graceMs: 200, ...opts.server });
  const clients: TestClient[] = [];
  return {
    sim,
    hub,
    server,
    clients,
    client: async (o = {}) => {
      const url = server.url + (o.query ?? '');
      const c = new TestClient(url, { ...o.ws, ...(o.token ? { headers: { authorization: `Bearer ${o.token}` } } : {}) });
      clients.push(c);
      await c.opened;
      return c;
    },
    close: async () => {
      for (const c of clients) c.ws.terminate();
      await server.close();
      hub.close();
      await sim.close();
    },
  };
}

export interface ConsumerBook {
  book: OrderBook;
  updateId: number | undefined;
  deltas: number;
}

export class TestClient {
  readonly ws: WebSocket;
  readonly messages: Msg[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Books rebuilt from each book stream's snapshot + deltas, by stream key. */
  readonly books = new Map<string, ConsumerBook>();
  private readonly listeners = new Set<(m: Msg) => void>();
  private nextId = 1;

  constructor(url: string, opts: ClientOptions = {}) {
    this.ws = new WebSocket(url, opts);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Msg;
      this.messages.push(m);
      this.applyBook(m);
      for (const l of [...this.listeners]) l(m);
    });
  }

  private applyBook(m: Msg): void {
    if (m.type !== 'book_snapshot' && m.type !== 'book_delta') return;
    const e = MarketEvent.parse(m);
    if (e.type !== 'book_snapshot' && e.type !== 'book_delta') return;
    const key = String(m.stream);
    let b = this.books.get(key);
    if (!b) this.books.set(key, (b = { book: new OrderBook(), updateId: undefined, deltas: 0 }));
    if (e.type === 'book_snapshot') {
      b.book.applySnapshot(e.bids, e.asks);
      b.deltas = 0;
    } else {
      b.book.applyLevels(e.bids, e.asks);
      b.deltas++;
    }
    b.updateId = e.updateId;
  }

  send(x: unknown): void {
    this.ws.send(typeof x === 'string' ? x : JSON.stringify(x));
  }

  /** Send a command with a fresh id and resolve with its reply (ack or error). */
  async command(cmd: Record<string, unknown>, timeoutMs = 5_000): Promise<Msg> {
    const id = this.nextId++;
    const p = this.waitFor((m) => (m.type === 'ack' || m.type === 'error') && m.id === id, `reply to ${String(cmd.op)} #${id}`, timeoutMs);
    this.send({ ...cmd, id });
    return p;
  }

  /** Resolve with the first message (already received or future) matching `pred` after index `from`. */
  waitFor(pred: (m: Msg) => boolean, what: string, timeoutMs = 8_000, from = this.messages.length): Promise<Msg> {
    const seen = this.messages.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const l = (m: Msg): void => {
        if (!pred(m)) return;
        clearTimeout(t);
        this.listeners.delete(l);
        resolve(m);
      };
      const t = setTimeout(() => {
        this.listeners.delete(l);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.listeners.add(l);
    });
  }

  stream(key: string): Msg[] {
    return this.messages.filter((m) => m.stream === key);
  }
}

/** Poll a condition (state outside any event stream, e.g. the simulator's log). Bounded. */
export async function until<T>(f: () => T | undefined | false, what: string, timeoutMs = 8_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Wait until the client's book of `stream` applied ≥ minDeltas deltas since its last snapshot; capture it in that
 * message's callback and compare it with the simulator's true book at the same update id.
 */
export async function expectClientBookEqualsTruth(h: ServerHarness, c: TestClient, stream: string, minDeltas = 50): Promise<number> {
  const [exchange, rest] = stream.split(':') as [string, string];
  const symbol = rest.slice(0, rest.indexOf('@'));
  let captured: { id: number; bids: [string, string][]; asks: [string, string][] } | undefined;
  const capture = (): boolean => {
    const b = c.books.get(stream);
    if (b === undefined || b.deltas < minDeltas || b.updateId === undefined) return false;
    captured = { id: b.updateId, ...b.book.snapshot() };
    return true;
  };
  if (!capture()) await c.waitFor((m) => m.stream === stream && m.type === 'book_delta' && capture(), `${minDeltas} deltas on ${stream}`, 15_000);
  const { id, bids, asks } = captured!;
  const truth = h.sim.trueBookAt(exchange as 'binance', symbol, id);
  expect(truth, `simulator history holds ${stream} at ${id}`).toBeDefined();
  expect(bids.length).toBeGreaterThan(0);
  expect(bids).toEqual(truth!.bids);
  expect(asks).toEqual(truth!.asks);
  return id;
}

/** Sim log: text frames the simulator received containing `needle`. */
export function simReceived(h: ServerHarness, needle: string): Array<{ time: number; data: string }> {
  return h.sim
    .entries('binance')
    .filter((e) => e.kind === 'ws-recv' && e.data !== undefined && e.data.includes(needle))
    .map((e) => ({ time: e.time, data: e.data! }));
}

/** Every stream message of `key` has seq 1, 2, 3, … (no hole) and one epoch. */
export function expectContiguous(msgs: Msg[]): void {
  expect(msgs.length).toBeGreaterThan(0);
  const epochs = new Set(msgs.map((m) => m.epoch));
  expect(epochs.size).toBe(1);
  msgs.forEach((m, i) => expect(m.seq, `message ${i} of ${String(m.stream)}`).toBe(i + 1));
}
