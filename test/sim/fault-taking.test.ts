/**
 * A per-frame fault (drop-diff, garbage-diff, garbage-frame, a wrong checksum, a broken chain…) is taken only at the
 * moment it can act: when a book frame is about to reach a subscriber. A step that sends nothing — nobody
 * subscribed, or the one subscriber's data silenced — must leave it queued (taken then, it was lost: the fault
 * matrix cell timed out with no status). One case per simulator server family, on the real protocol servers with
 * their real timers (faked) and a socket-less connection that records what would be written (no sockets: unit tier).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { ExchangeId } from '../../src/schema/events.js';
import { PROTOCOLS } from '../../src/sim/index.js';
import { SimConnection, SimLog, SimServer } from '../../src/sim/server.js';
import { resolveSpecs } from '../../src/sim/symbols.js';
import type { SimFault } from '../../src/sim/types.js';

const SYMBOL = 'BTC/USDT';

interface Family {
  exchange: ExchangeId;
  /** The URL the client connects to. */
  url: string;
  /** Messages that subscribe `SYMBOL`'s book (none when the URL does). */
  subscribe: unknown[];
  /** The family's own per-frame faults, besides the generic ones. */
  specific: string[];
  /** The server renders `garbage-frame` (the Coinbase ones do not, and refuse it: src/sim/fault-kinds.ts). */
  garbageFrame?: false;
}

const FAMILIES: Family[] = [
  { exchange: 'binance', url: '/stream?streams=btcusdt@depth@100ms', subscribe: [], specific: [] },
  { exchange: 'bybit', url: '/v5/public/spot', subscribe: [{ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] }], specific: ['bybit-u-decrease', 'bybit-absent-deletes'] },
  {
    exchange: 'coinbase',
    url: '/',
    subscribe: [{ type: 'subscribe', channel: 'level2', product_ids: ['BTC-USDT'] }],
    specific: ['silent-drop', 'delete-absent', 'ghost-level'],
    garbageFrame: false,
  },
  {
    exchange: 'coinbase-exchange',
    url: '/',
    subscribe: [{ type: 'subscribe', product_ids: ['BTC-USDT'], channels: ['level2_batch'] }],
    specific: ['delete-absent', 'ghost-level'],
    garbageFrame: false,
  },
  {
    exchange: 'kraken',
    url: '/v2',
    subscribe: [{ method: 'subscribe', params: { channel: 'book', symbol: [SYMBOL], depth: 10, snapshot: true } }],
    specific: ['kraken-bad-checksum'],
  },
  { exchange: 'okx', url: '/ws/v5/public', subscribe: [{ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] }], specific: ['okx-bad-checksum', 'okx-broken-prev'] },
  {
    exchange: 'deribit',
    url: '/ws/api/v2',
    subscribe: [{ jsonrpc: '2.0', id: 1, method: 'public/subscribe', params: { channels: ['book.BTC_USDT.100ms'] } }],
    specific: ['deribit-broken-prev'],
  },
  {
    exchange: 'gateio',
    url: '/ws/v4/',
    subscribe: [{ time: 1, id: 1, channel: 'spot.order_book_update', event: 'subscribe', payload: ['BTC_USDT', '100ms'] }],
    specific: ['gateio-chain-break'],
  },
];

/** A socket-less WebSocket stand-in: open, and records every text frame the server writes. */
function fakeWs(sent: string[]): WebSocket {
  const ws: { readyState: number } & Record<string, unknown> = {
    readyState: WebSocket.OPEN,
    send: (text: string) => void sent.push(String(text)),
    ping: () => undefined,
    pong: () => undefined,
    close: () => {
      ws.readyState = WebSocket.CLOSED;
    },
    terminate: () => {
      ws.readyState = WebSocket.CLOSED;
    },
  };
  return ws as unknown as WebSocket;
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await cleanup?.();
  cleanup = undefined;
});

function setup(f: Family): { server: SimServer; connect: () => { conn: SimConnection; sent: string[] } } {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
  const specs = resolveSpecs([SYMBOL, 'ETH/USDT']);
  const protocol = PROTOCOLS[f.exchange]({ seed: 7, symbols: specs, levels: 200 });
  const server = new SimServer(protocol, { host: '127.0.0.1', port: 0, log: new SimLog(1000), symbols: specs.map((s) => s.symbol) });
  protocol.start(server); // what listen() does once listening: the data timers start
  cleanup = () => server.close();
  return {
    server,
    connect: () => {
      const sent: string[] = [];
      const url = new URL(f.url, 'http://sim');
      const conn = new SimConnection(1, fakeWs(sent), undefined as never, url.pathname, server);
      server.connections.add(conn);
      protocol.onOpen(conn, url);
      for (const m of f.subscribe) protocol.onMessage(conn, JSON.stringify(m));
      return { conn, sent };
    },
  };
}

const queued = (server: SimServer, kinds: string[]): string[] =>
  server.faults
    .list()
    .map((x) => x.kind)
    .filter((k) => kinds.includes(k))
    .sort();

/** A frame that is not JSON (a garbage frame or a truncated diff). */
const unparseable = (text: string): boolean => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
};

describe.each(FAMILIES)('$exchange simulator: a per-frame fault waits for a frame that goes out', (f) => {
  const kinds = ['drop-diff', 'garbage-diff', ...(f.garbageFrame === false ? [] : ['garbage-frame']), ...f.specific].sort();
  const faults = (): SimFault[] => kinds.map((kind) => ({ kind, symbol: SYMBOL }) as SimFault);

  it('nobody subscribed: 5 s of market steps take none of them', () => {
    const { server } = setup(f);
    for (const x of faults()) server.fault(x);
    vi.advanceTimersByTime(5000);
    expect(queued(server, kinds)).toEqual(kinds);
  });

  it('the subscriber silenced: none taken; silence lifted: every one acts (garbage reaches the client)', () => {
    const { server, connect } = setup(f);
    const { conn, sent } = connect();
    expect(conn.symbols.has(SYMBOL)).toBe(true); // subscribed for real
    vi.advanceTimersByTime(1000);
    const before = sent.length;
    expect(before).toBeGreaterThan(0); // book frames flow
    const silence: SimFault = { kind: 'silence', symbol: SYMBOL };
    server.fault(silence);
    for (const x of faults()) server.fault(x);
    vi.advanceTimersByTime(5000);
    expect(queued(server, kinds)).toEqual(kinds);
    server.removeFault(silence);
    const from = sent.length;
    for (let i = 0; i < 300 && queued(server, kinds).length > 0; i++) vi.advanceTimersByTime(100);
    expect(queued(server, kinds)).toEqual([]);
    // the garbage diff, and the garbage frame where there is one
    expect(sent.slice(from).filter(unparseable).length).toBeGreaterThanOrEqual(f.garbageFrame === false ? 1 : 2);
  });
});

describe('kraken simulator: the true book is the one at the last book frame sent', () => {
  // Kraken's frames carry no update id: a client is compared with the truth with the market paused, and the truth
  // must be what the frames sent add up to — a step whose frame a fault withheld is not part of it yet (the client
  // learns of it from the next frame's checksum)
  it('frames withheld by silence leave it where the client is; the next frame sent moves it on', () => {
    const f = FAMILIES.find((x) => x.exchange === 'kraken')!;
    const { server, connect } = setup(f);
    const { sent: all } = connect();
    const books = (): number => all.filter((t) => t.startsWith('{"channel":"book"')).length; // not heartbeats
    vi.advanceTimersByTime(1000);
    const lastFrame = books();
    const atLastFrame = server.protocol.trueBook(SYMBOL);
    const silence: SimFault = { kind: 'silence', symbol: SYMBOL };
    server.fault(silence);
    vi.advanceTimersByTime(2000); // 20 market steps, no frame sent
    expect(books()).toBe(lastFrame);
    const now = server.protocol.trueBook(SYMBOL);
    expect(now).toEqual(atLastFrame);
    server.removeFault(silence);
    for (let i = 0; i < 50 && books() === lastFrame; i++) vi.advanceTimersByTime(100);
    expect(books()).toBeGreaterThan(lastFrame);
    expect(server.protocol.trueBook(SYMBOL)!.updateId).toBeGreaterThan(atLastFrame!.updateId);
  });
});
