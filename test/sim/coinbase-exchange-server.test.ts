/**
 * The Coinbase Exchange simulator protocol over loopback with a raw client: level2_batch and signed level2
 * snapshots + l2updates rebuild the true book, the server-side HMAC check (the client side signed by tickwire's
 * own code, so the two independent implementations must agree), tickers, matches, heartbeats, faults, REST.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OrderBook } from '../../src/book/order-book.js';
import { exchangeAuthFields } from '../../src/exchanges/coinbase/auth.js';
import { createExchangeFeedAdapter } from '../../src/exchanges/coinbase/exchange.js';
import { BookSync } from '../../src/book/book-sync.js';
import { SIM_COINBASE_EXCHANGE_CREDENTIALS as CREDS } from '../../src/sim/coinbase-exchange-auth.js';
import { CoinbaseExchangeProtocol, type CoinbaseExchangeSimOptions } from '../../src/sim/coinbase-exchange-server.js';
import { SimLog, SimServer } from '../../src/sim/server.js';
import { connect, type TestClient } from '../helpers/ws-client.js';

const SPECS = [
  { symbol: 'BTC/USD', mid: '30000.00', tickDecimals: 2, lotDecimals: 8 },
  { symbol: 'ETH/USD', mid: '2000.00', tickDecimals: 2, lotDecimals: 8 },
];

let server: SimServer | undefined;
const clients: TestClient[] = [];

async function start(extra: Partial<CoinbaseExchangeSimOptions> = {}): Promise<{ server: SimServer; protocol: CoinbaseExchangeProtocol }> {
  const protocol = new CoinbaseExchangeProtocol({
    seed: 11,
    symbols: SPECS,
    levels: 50,
    intervalMs: 10,
    batchMs: 25,
    tradeIntervalMs: 20,
    heartbeatIntervalMs: 50,
    ...extra,
  });
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

type Frame = Record<string, unknown>;
const ofType = (c: TestClient, t: string): Frame[] => c.json().filter((f) => f['type'] === t);

function rebuild(c: TestClient, product: string): OrderBook {
  const book = new OrderBook();
  for (const f of c.json()) {
    if (f['product_id'] !== product) continue;
    if (f['type'] === 'snapshot') book.applySnapshot(f['bids'] as [string, string][], f['asks'] as [string, string][]);
    if (f['type'] === 'l2update') for (const [side, p, s] of f['changes'] as [string, string, string][]) book.set(side === 'buy' ? 'bid' : 'ask', p, s);
  }
  return book;
}

/** Paused server: the ack of a later request is written after every data frame already sent. */
async function roundTrip(c: TestClient): Promise<void> {
  const n = ofType(c, 'subscriptions').length;
  c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['heartbeat'] });
  await c.until(() => ofType(c, 'subscriptions').length > n, 2000, 'ack');
}

describe('Coinbase Exchange simulator', () => {
  it('keyless level2_batch: snapshot + batched l2updates rebuild the true book; no sequence on l2update', async () => {
    const { server: s, protocol } = await start();
    const c = await client(s);
    c.send({ type: 'subscribe', product_ids: ['BTC-USD', 'ETH-USD'], channels: ['level2_batch', 'heartbeat', { name: 'ticker', product_ids: ['BTC-USD'] }] });
    await c.until(() => ofType(c, 'l2update').length >= 20 && ofType(c, 'heartbeat').length >= 2, 5000, 'data');
    s.pause();
    await roundTrip(c);
    expect(ofType(c, 'subscriptions')[0]).toEqual({
      type: 'subscriptions',
      channels: [
        { name: 'level2_batch', product_ids: ['BTC-USD', 'ETH-USD'] },
        { name: 'heartbeat', product_ids: ['BTC-USD', 'ETH-USD'] },
        { name: 'ticker', product_ids: ['BTC-USD'] },
      ],
    });
    expect(ofType(c, 'snapshot')).toHaveLength(2);
    for (const u of ofType(c, 'l2update')) expect(Object.keys(u).sort()).toEqual(['changes', 'product_id', 'time', 'type']);
    for (const [symbol, product] of [['BTC/USD', 'BTC-USD'], ['ETH/USD', 'ETH-USD']] as const) {
      const truth = protocol.trueBook(symbol)!;
      expect(rebuild(c, product).snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
    }
    // tickers: per-product sequence only increases
    const seqs = ofType(c, 'ticker').map((t) => t['sequence'] as number);
    expect(seqs.length).toBeGreaterThan(1);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
  });

  it('level2 needs the signed subscribe: refused without, accepted with tickwire-signed fields, refused when forged', async () => {
    const { server: s, protocol } = await start();
    const c = await client(s);
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['level2', 'matches'] });
    await c.until(() => ofType(c, 'error').length === 1 && ofType(c, 'subscriptions').length === 1, 3000, 'refusal');
    expect(ofType(c, 'error')[0]).toEqual({
      type: 'error',
      message: 'Failed to subscribe',
      reason: 'level2, level3, and full channels now require authentication.',
    });
    expect(ofType(c, 'subscriptions')[0]!['channels']).toEqual([{ name: 'matches', product_ids: ['BTC-USD'] }]);

    const forged = { ...exchangeAuthFields(CREDS, Date.now()), passphrase: CREDS.passphrase, key: CREDS.key };
    forged.signature = forged.signature.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'));
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['level2'], ...forged });
    const stale = exchangeAuthFields(CREDS, Date.now() - 120_000);
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['level2'], ...stale });
    await c.until(() => ofType(c, 'error').length === 3, 3000, 'forged + stale refused');
    expect(ofType(c, 'error').slice(1)).toEqual([
      { type: 'error', message: 'Authentication Failed', reason: 'invalid signature' },
      { type: 'error', message: 'Authentication Failed', reason: 'invalid signature' },
    ]);

    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['level2'], ...exchangeAuthFields(CREDS, Date.now()) });
    await c.until(() => ofType(c, 'match').length >= 1, 3000, 'a BTC-USD trade'); // ETH-USD has traded too by now
    c.send({ type: 'subscribe', product_ids: ['ETH-USD'], channels: ['matches'] });
    await c.until(() => ofType(c, 'snapshot').length === 1 && ofType(c, 'l2update').length >= 20, 3000, 'level2 data');
    s.pause();
    await roundTrip(c);
    const truth = protocol.trueBook('BTC/USD')!;
    expect(rebuild(c, 'BTC-USD').snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
    // matches: last_match first, then live matches; side is the maker side (lower case)
    const m = c.json().filter((f) => (f['type'] === 'match' || f['type'] === 'last_match') && f['product_id'] === 'ETH-USD');
    expect(m[0]!['type']).toBe('last_match');
    for (const x of m) expect(['buy', 'sell']).toContain(x['side']);
  });

  it("tickwire's credentialed adapter: its signed subscribe opens level2; its parse + BookSync rebuild the true book", async () => {
    const { server: s, protocol } = await start();
    const adapter = createExchangeFeedAdapter({ credentials: { ...CREDS } });
    const ctx = { bookDepth: 1000, instruments: new Map() };
    const c = await client(s);
    for (const m of adapter.subscribe([{ market: 'BTC-USD', channel: 'book' }], ctx, () => 1)) c.send(m);
    await c.until(() => ofType(c, 'l2update').length >= 30, 3000, 'level2 data');
    s.pause();
    await roundTrip(c);
    expect(ofType(c, 'error')).toEqual([]);
    expect(ofType(c, 'subscriptions')[0]!['channels']).toEqual([
      { name: 'level2', product_ids: ['BTC-USD'] },
      { name: 'heartbeat', product_ids: ['BTC-USD'] },
    ]);
    const sync = new BookSync({
      exchange: 'coinbase-exchange',
      symbol: 'BTC/USD',
      market: 'BTC-USD',
      rules: adapter.book,
      subscribedDepth: 1000,
      requestSnapshot: () => undefined,
      requestResubscribe: () => undefined,
      emit: () => undefined,
    });
    sync.start(0);
    for (const f of c.frames) for (const m of adapter.parse(f, ctx)) if (m.kind === 'book') sync.onMessage(m, 1);
    expect(sync.state).toBe('live');
    const truth = protocol.trueBook('BTC/USD')!;
    expect(sync.book.snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
  });

  it('drop-diff loses an update silently (no sequence to tell); delete-absent deletes a level never there', async () => {
    const { server: s, protocol } = await start();
    const c = await client(s);
    c.send({ type: 'subscribe', product_ids: ['ETH-USD'], channels: ['level2_batch'] });
    await c.until(() => ofType(c, 'l2update').length >= 3, 3000, 'data');
    s.fault({ kind: 'delete-absent', symbol: 'ETH/USD' });
    const hasAbsentDelete = (): boolean => {
      const book = new OrderBook();
      for (const f of c.json()) {
        if (f['type'] === 'snapshot') book.applySnapshot(f['bids'] as [string, string][], f['asks'] as [string, string][]);
        if (f['type'] !== 'l2update') continue;
        for (const [side, p, size] of f['changes'] as [string, string, string][]) {
          const sd = side === 'buy' ? 'bid' : 'ask';
          if (size === '0' && book.sizeAt(sd, p) === undefined) return true;
          book.set(sd, p, size);
        }
      }
      return false;
    };
    await c.until(hasAbsentDelete, 3000, 'absent delete');
    s.pause();
    await roundTrip(c);
    let truth = protocol.trueBook('ETH/USD')!;
    expect(rebuild(c, 'ETH-USD').snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
    s.resume();
    s.fault({ kind: 'drop-diff', symbol: 'ETH/USD' });
    const n = ofType(c, 'l2update').length;
    await c.until(() => ofType(c, 'l2update').length >= n + 5, 3000, 'more');
    s.pause();
    await roundTrip(c);
    truth = protocol.trueBook('ETH/USD')!;
    expect(rebuild(c, 'ETH-USD').snapshot()).not.toEqual({ bids: truth.bids, asks: truth.asks });
  });

  it('error-reply, unknown product (valid ones still subscribed), no subscribe within the deadline → closed', async () => {
    const { server: s } = await start({ subscribeDeadlineMs: 150 });
    const c = await client(s);
    const idle = await client(s);
    c.send({ type: 'subscribe', product_ids: ['NOPE-USD', 'BTC-USD'], channels: ['ticker'] });
    await c.until(() => ofType(c, 'subscriptions').length === 1, 3000, 'ack');
    expect(ofType(c, 'error')).toEqual([{ type: 'error', message: 'Failed to subscribe', reason: 'NOPE-USD is not a valid product' }]);
    expect(ofType(c, 'subscriptions')[0]!['channels']).toEqual([{ name: 'ticker', product_ids: ['BTC-USD'] }]);
    s.fault({ kind: 'error-reply', message: 'Failed to subscribe', reason: 'sim: refused' });
    c.send({ type: 'subscribe', product_ids: ['ETH-USD'], channels: ['ticker'] });
    await c.until(() => ofType(c, 'error').length === 2, 3000, 'refused');
    expect(ofType(c, 'error')[1]).toEqual({ type: 'error', message: 'Failed to subscribe', reason: 'sim: refused' });
    await idle.until(() => idle.closed !== undefined, 3000, 'deadline close');
    expect(idle.closed!.code).toBe(1008);
    expect(c.closed).toBeUndefined();
  });

  it('missing-heartbeat stops heartbeats while data continues', async () => {
    const { server: s } = await start();
    const c = await client(s);
    c.send({ type: 'subscribe', product_ids: ['BTC-USD'], channels: ['heartbeat', 'level2_batch'] });
    await c.until(() => ofType(c, 'heartbeat').length >= 2, 3000, 'heartbeats');
    s.fault({ kind: 'missing-heartbeat' });
    const hb = ofType(c, 'heartbeat').length;
    const n = ofType(c, 'l2update').length;
    await c.until(() => ofType(c, 'l2update').length >= n + 12, 3000, 'data'); // ≥ 300 ms = 6 heartbeat periods
    expect(ofType(c, 'heartbeat').length - hb).toBeLessThanOrEqual(1);
  });

  it('REST /products and /products/{id}/book?level=2 (the whole aggregated book, [price, size, num_orders], sequence)', async () => {
    const { server: s, protocol } = await start();
    s.pause();
    const products = (await (await fetch(`${s.restOrigin}/products`)).json()) as Array<{ id: string; quote_increment: string }>;
    expect(products.map((p) => [p.id, p.quote_increment])).toEqual([['BTC-USD', '0.01'], ['ETH-USD', '0.01']]);
    const book = (await (await fetch(`${s.restOrigin}/products/BTC-USD/book?level=2`)).json()) as { bids: [string, string, number][]; asks: [string, string, number][]; sequence: number };
    const truth = protocol.currentBook('BTC/USD')!;
    expect(book.bids.map((l) => [l[0], l[1]])).toEqual(truth.bids);
    expect(book.asks.map((l) => [l[0], l[1]])).toEqual(truth.asks);
    expect(book.bids.length).toBeGreaterThan(40);
    expect(Number.isInteger(book.sequence)).toBe(true);
  });
});
