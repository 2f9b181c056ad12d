/**
 * The Coinbase Advanced Trade simulator protocol over loopback, checked against docs/protocols/coinbase.md with a raw
 * client (no tickwire adapter involved): envelope and per-connection sequence_num, l2_data snapshot + updates
 * rebuilding the true book, heartbeats, channels closed without heartbeats, faults, REST.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OrderBook } from '../../src/book/order-book.js';
import { CoinbaseProtocol, type CoinbaseSimOptions } from '../../src/sim/coinbase-server.js';
import { SimLog, SimServer } from '../../src/sim/server.js';
import { connect, type TestClient } from '../helpers/ws-client.js';

const SPECS = [
  { symbol: 'BTC/USD', mid: '30000.00', tickDecimals: 2, lotDecimals: 8 },
  { symbol: 'ETH/USD', mid: '2000.00', tickDecimals: 2, lotDecimals: 8 },
];

let server: SimServer | undefined;
const clients: TestClient[] = [];

async function start(extra: Partial<CoinbaseSimOptions> = {}): Promise<{ server: SimServer; protocol: CoinbaseProtocol }> {
  const protocol = new CoinbaseProtocol({ seed: 7, symbols: SPECS, levels: 50, intervalMs: 10, tradeIntervalMs: 20, heartbeatIntervalMs: 50, ...extra });
  server = new SimServer(protocol, { host: '127.0.0.1', port: 0, log: new SimLog() });
  await server.listen();
  return { server, protocol };
}

async function client(s: SimServer): Promise<TestClient> {
  const c = await connect(s.wsOrigin);
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.close();
  server = undefined;
});

interface Envelope {
  channel: string;
  sequence_num: number;
  timestamp: string;
  events: Array<Record<string, unknown>>;
}
const envelopes = (c: TestClient): Envelope[] => c.json().filter((f) => typeof f['channel'] === 'string') as unknown as Envelope[];
const l2 = (c: TestClient): Envelope[] => envelopes(c).filter((e) => e.channel === 'l2_data');

interface L2Update {
  side: string;
  price_level: string;
  new_quantity: string;
}

/** Paused server: an ack written after every data frame already sent proves the client has them all. */
async function roundTrip(c: TestClient): Promise<void> {
  const n = c.frames.length;
  c.send({ type: 'subscribe', channel: 'heartbeats' });
  await c.until(() => c.frames.slice(n).some((f) => f.includes('"channel":"subscriptions"')), 2000, 'ack');
}

function rebuild(frames: Envelope[], product: string): OrderBook {
  const book = new OrderBook();
  for (const f of frames) {
    for (const ev of f.events) {
      if (ev['product_id'] !== product) continue;
      if (ev['type'] === 'snapshot') book.clear();
      for (const u of ev['updates'] as L2Update[]) book.set(u.side === 'bid' ? 'bid' : 'ask', u.price_level, u.new_quantity);
    }
  }
  return book;
}

describe('Coinbase Advanced Trade simulator', () => {
  it('one sequence_num per connection across channels; l2_data snapshot + updates rebuild the true book', async () => {
    const { server: s, protocol } = await start();
    const c = await client(s);
    c.send({ type: 'subscribe', channel: 'heartbeats' });
    c.send({ type: 'subscribe', channel: 'level2', product_ids: ['BTC-USD', 'ETH-USD'] });
    c.send({ type: 'subscribe', channel: 'ticker', product_ids: ['BTC-USD'] });
    c.send({ type: 'subscribe', channel: 'market_trades', product_ids: ['BTC-USD'] });
    await c.until(() => l2(c).length >= 60 && envelopes(c).some((e) => e.channel === 'heartbeats'), 5000, 'data');
    s.pause();
    await roundTrip(c);
    const env = envelopes(c);
    expect(env.map((e) => e.sequence_num)).toEqual(env.map((_, i) => i));
    expect(new Set(env.map((e) => e.channel))).toEqual(new Set(['subscriptions', 'l2_data', 'ticker', 'market_trades', 'heartbeats']));
    const first = l2(c)[0]!.events[0]!;
    expect(first['type']).toBe('snapshot');
    const sides = new Set(l2(c).flatMap((e) => e.events.flatMap((ev) => (ev['updates'] as L2Update[]).map((u) => u.side))));
    expect(sides).toEqual(new Set(['bid', 'offer']));
    for (const [symbol, product] of [['BTC/USD', 'BTC-USD'], ['ETH/USD', 'ETH-USD']] as const) {
      const truth = protocol.trueBook(symbol)!;
      expect(rebuild(l2(c), product).snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
    }
    // market_trades: `side` is the maker side, upper case
    const trades = envelopes(c).filter((e) => e.channel === 'market_trades');
    expect(trades[0]!.events[0]!['type']).toBe('snapshot');
    const sidesT = new Set(trades.slice(1).flatMap((e) => (e.events[0]!['trades'] as Array<{ side: string }>).map((t) => t.side)));
    for (const x of sidesT) expect(['BUY', 'SELL']).toContain(x);
  });

  it('heartbeats 1 per interval with an increasing counter; missing-heartbeat stops them', async () => {
    const { server: s } = await start();
    const c = await client(s);
    c.send({ type: 'subscribe', channel: 'heartbeats' });
    c.send({ type: 'subscribe', channel: 'level2', product_ids: ['BTC-USD'] });
    const hb = (): Envelope[] => envelopes(c).filter((e) => e.channel === 'heartbeats');
    await c.until(() => hb().length >= 3, 3000, 'heartbeats');
    expect(hb().map((e) => e.events[0]!['heartbeat_counter'])).toEqual(['1', '2', '3', ...hb().slice(3).map((e) => e.events[0]!['heartbeat_counter'])]);
    s.fault({ kind: 'missing-heartbeat' });
    const before = hb().length;
    // 30 book updates (10 ms apart) span ~6 heartbeat intervals
    const n = l2(c).length;
    await c.until(() => l2(c).length >= n + 30, 3000, 'book updates');
    expect(hb().length - before).toBeLessThanOrEqual(1); // at most one already in flight
    s.clearFaults();
    await c.until(() => hb().length >= before + 2, 3000, 'heartbeats again');
  });

  it('channels close after closeWithoutHeartbeatsMs without a heartbeats subscription; not with one', async () => {
    const { server: s } = await start({ closeWithoutHeartbeatsMs: 150 });
    const bare = await client(s);
    const kept = await client(s);
    bare.send({ type: 'subscribe', channel: 'level2', product_ids: ['BTC-USD'] });
    kept.send({ type: 'subscribe', channel: 'heartbeats' });
    kept.send({ type: 'subscribe', channel: 'level2', product_ids: ['BTC-USD'] });
    await bare.until(() => l2(bare).length > 0 && l2(kept).length > 0, 3000, 'both get data');
    await kept.until(() => [...s.connections].filter((c) => c.topics.size > 0).length === 1, 3000, 'bare channels closed');
    const n = l2(bare).length;
    const m = l2(kept).length;
    await kept.until(() => l2(kept).length >= m + 20, 3000, 'kept data');
    expect(l2(bare).length - n).toBeLessThanOrEqual(1);
    expect([...s.connections].filter((c) => c.topics.size > 0)).toHaveLength(1);
  });

  it('missing-heartbeat: the data channels of the connections it aims at close after closeWithoutHeartbeatsMs', async () => {
    const { server: s } = await start({ closeWithoutHeartbeatsMs: 150 });
    const hit = await client(s);
    const other = await client(s);
    for (const [c, id] of [[hit, 'BTC-USD'], [other, 'ETH-USD']] as const) {
      c.send({ type: 'subscribe', channel: 'heartbeats' });
      c.send({ type: 'subscribe', channel: 'level2', product_ids: [id] });
    }
    await hit.until(() => l2(hit).length > 0 && l2(other).length > 0, 3000, 'both get data');
    const hitConn = [...s.connections].find((c) => c.topics.has('level2:BTC-USD'))!;
    const otherConn = [...s.connections].find((c) => c.topics.has('level2:ETH-USD'))!;
    s.fault({ kind: 'missing-heartbeat', symbol: 'BTC/USD' });
    await hit.until(() => !hitConn.topics.has('level2:BTC-USD'), 3000, 'BTC channels closed');
    // the heartbeats subscription stays; the connection that gets its heartbeats keeps its data
    expect([...hitConn.topics]).toEqual(['heartbeats']);
    const n = l2(hit).length;
    const m = l2(other).length;
    await other.until(() => l2(other).length >= m + 20, 3000, 'other data');
    expect(l2(hit).length - n).toBeLessThanOrEqual(1);
    expect(otherConn.topics.has('level2:ETH-USD')).toBe(true);
  });

  it('sequence-gap skips sequence numbers; drop-diff consumes one; silent-drop none', async () => {
    const { server: s, protocol } = await start();
    const c = await client(s);
    c.send({ type: 'subscribe', channel: 'level2', product_ids: ['BTC-USD'] });
    await c.until(() => l2(c).length >= 5, 3000, 'data');
    const gaps = (): number[] => {
      const e = envelopes(c);
      const out: number[] = [];
      for (let i = 1; i < e.length; i++) if (e[i]!.sequence_num !== e[i - 1]!.sequence_num + 1) out.push(e[i]!.sequence_num - e[i - 1]!.sequence_num - 1);
      return out;
    };
    s.fault({ kind: 'sequence-gap', skip: 3 });
    await c.until(() => gaps().length === 1, 3000, 'gap');
    expect(gaps()).toEqual([3]);
    s.fault({ kind: 'drop-diff', symbol: 'BTC/USD' });
    await c.until(() => gaps().length === 2, 3000, 'drop');
    expect(gaps()).toEqual([3, 1]);
    s.fault({ kind: 'silent-drop', symbol: 'BTC/USD' });
    const n = l2(c).length;
    await c.until(() => l2(c).length >= n + 10, 3000, 'more');
    expect(gaps()).toEqual([3, 1]);
    // the book a client rebuilds now differs from the truth (two updates lost), which only REST can show
    s.pause();
    await roundTrip(c);
    const truth = protocol.trueBook('BTC/USD')!;
    expect(rebuild(l2(c), 'BTC-USD').snapshot()).not.toEqual({ bids: truth.bids, asks: truth.asks });
  });

  it('delete-absent adds a "0" for a level that is not in the book', async () => {
    const { server: s, protocol } = await start();
    const c = await client(s);
    c.send({ type: 'subscribe', channel: 'level2', product_ids: ['ETH-USD'] });
    await c.until(() => l2(c).length >= 3, 3000, 'data');
    s.fault({ kind: 'delete-absent', symbol: 'ETH/USD' });
    const absent = (): L2Update | undefined => {
      const book = new OrderBook();
      for (const f of l2(c)) {
        for (const ev of f.events) {
          if (ev['type'] === 'snapshot') book.clear();
          for (const u of ev['updates'] as L2Update[]) {
            const side = u.side === 'bid' ? 'bid' : 'ask';
            if (u.new_quantity === '0' && book.sizeAt(side, u.price_level) === undefined) return u;
            book.set(side, u.price_level, u.new_quantity);
          }
        }
      }
      return undefined;
    };
    await c.until(() => absent() !== undefined, 3000, 'absent delete');
    expect(absent()!.new_quantity).toBe('0');
    s.pause();
    await roundTrip(c);
    const truth = protocol.trueBook('ETH/USD')!;
    expect(rebuild(l2(c), 'ETH-USD').snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
  });

  it('error replies: unknown product, channels plural, unknown channel, error-reply fault; no subscribe → closed', async () => {
    const { server: s } = await start({ subscribeDeadlineMs: 150 });
    const c = await client(s);
    c.send({ type: 'subscribe', channel: 'level2', product_ids: ['NOPE-USD'] });
    c.send({ type: 'subscribe', channels: ['level2'], product_ids: ['BTC-USD'] });
    c.send({ type: 'subscribe', channel: 'level9', product_ids: ['BTC-USD'] });
    await c.until(() => c.json().filter((f) => f['type'] === 'error').length === 3, 3000, 'errors');
    s.fault({ kind: 'error-reply', message: 'rate limited' });
    c.send({ type: 'subscribe', channel: 'ticker', product_ids: ['BTC-USD'] });
    await c.until(() => c.json().filter((f) => f['type'] === 'error').length === 4, 3000, 'errors');
    const errs = c.json().filter((f) => f['type'] === 'error');
    expect(errs[0]).toEqual({ type: 'error', message: 'Failed to subscribe', reason: 'NOPE-USD is not a valid product' });
    expect(errs[3]).toEqual({ type: 'error', message: 'rate limited' });
    await c.until(() => c.closed !== undefined, 3000, 'deadline close');
    expect(c.closed!.code).toBe(1008);
  });

  it('REST product_book is the true book top; products list', async () => {
    const { server: s, protocol } = await start();
    s.pause();
    const r = await fetch(`${s.restOrigin}/api/v3/brokerage/market/product_book?product_id=BTC-USD&limit=5`);
    const body = (await r.json()) as { pricebook: { bids: Array<{ price: string; size: string }>; asks: Array<{ price: string; size: string }> } };
    const truth = protocol.trueBook('BTC/USD')!;
    expect(body.pricebook.bids.map((l) => [l.price, l.size])).toEqual(truth.bids.slice(0, 5));
    expect(body.pricebook.asks.map((l) => [l.price, l.size])).toEqual(truth.asks.slice(0, 5));
    const p = (await (await fetch(`${s.restOrigin}/api/v3/brokerage/market/products`)).json()) as { products: Array<{ product_id: string; quote_increment: string }> };
    expect(p.products.map((x) => [x.product_id, x.quote_increment])).toEqual([['BTC-USD', '0.01'], ['ETH-USD', '0.01']]);
    expect((await fetch(`${s.restOrigin}/api/v3/brokerage/market/product_book?product_id=NOPE-USD`)).status).toBe(404);
  });
});
