/**
 * The Deribit simulator protocol server over loopback, checked with an independent raw client: JSON-RPC replies,
 * an in-band snapshot then changes chained by change_id (rebuilt here, equal to the simulator's true book), the
 * documented refusal of unknown channels and of `raw` without credentials, the heartbeat test_request that closes a
 * client that does not answer, and the instrument list. The sim never imports src/exchanges/; this test may, to
 * check the frames against the adapter's zod wire schema.
 */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { OrderBook } from '../../src/book/order-book.js';
import { DeribitBookData, DeribitInstrument } from '../../src/exchanges/deribit/wire.js';
import { parseKeepingNumbers } from '../../src/exchanges/kraken/raw-json.js';
import { createDeribitProtocol, type DeribitSimOptions } from '../../src/sim/deribit-server.js';
import { SimLog, SimServer } from '../../src/sim/server.js';

const SPECS = [
  { symbol: 'BTC/USD:BTC', mid: '30000.0', tickDecimals: 1, lotDecimals: 0 },
  { symbol: 'ETH/USD:ETH-241227-3000-C', mid: '0.2500', tickDecimals: 4, lotDecimals: 1 },
];

const servers: SimServer[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  for (const s of servers.splice(0)) await s.close();
});

async function start(opts: Partial<DeribitSimOptions> = {}) {
  const protocol = createDeribitProtocol({ seed: 7, symbols: SPECS, levels: 100, bookIntervalMs: 5, tickerIntervalMs: 20, tradeIntervalMs: 20, ...opts });
  const server = new SimServer(protocol, { host: '127.0.0.1', port: 0, log: new SimLog() });
  await server.listen();
  servers.push(server);
  return { server, protocol };
}

interface Client {
  frames: string[];
  closed: { code: number; reason: string } | undefined;
  send(o: unknown): void;
  until(cond: () => boolean, what: string, timeoutMs?: number): Promise<void>;
}

async function connect(server: SimServer): Promise<Client> {
  const ws = new WebSocket(`${server.wsOrigin}/ws/api/v2`);
  clients.push(ws);
  const changed = new EventEmitter();
  const c: Client = {
    frames: [],
    closed: undefined,
    send: (o) => ws.send(JSON.stringify(o)),
    until: (cond, what, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        if (cond()) return resolve();
        const check = (): void => {
          if (!cond()) return;
          clearTimeout(timer);
          changed.off('change', check);
          resolve();
        };
        const timer = setTimeout(() => {
          changed.off('change', check);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        changed.on('change', check);
      }),
  };
  ws.on('message', (d: Buffer) => {
    c.frames.push(d.toString());
    changed.emit('change');
  });
  ws.on('close', (code: number, reason: Buffer) => {
    c.closed = { code, reason: reason.toString() };
    changed.emit('change');
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return c;
}

const reply = (c: Client, id: number): Record<string, unknown> | undefined =>
  c.frames.map((f) => JSON.parse(f) as Record<string, unknown>).find((f) => f.id === id);
const books = (c: Client, channel: string) =>
  c.frames
    .filter((f) => f.includes(`"channel":"${channel}"`))
    .map((f) => DeribitBookData.parse((parseKeepingNumbers(f) as { params: { data: unknown } }).params.data));

describe('deribit simulator server', () => {
  it('book: a snapshot, then changes whose prev_change_id is the last change_id; the rebuilt book is the true book', async () => {
    const { server, protocol } = await start();
    const c = await connect(server);
    c.send({ jsonrpc: '2.0', id: 1, method: 'public/subscribe', params: { channels: ['book.BTC-PERPETUAL.100ms'] } });
    await c.until(() => books(c, 'book.BTC-PERPETUAL.100ms').length >= 60, '60 book notifications');
    expect(reply(c, 1)).toMatchObject({ jsonrpc: '2.0', id: 1, result: ['book.BTC-PERPETUAL.100ms'] });
    const frames = books(c, 'book.BTC-PERPETUAL.100ms');
    const book = new OrderBook();
    let last = NaN;
    frames.forEach((d, i) => {
      expect(d.type).toBe(i === 0 ? 'snapshot' : 'change');
      if (i === 0) {
        expect(d.prev_change_id).toBeUndefined();
        book.applySnapshot(d.bids.map((e) => [e[1], e[2]]), d.asks.map((e) => [e[1], e[2]]));
      } else {
        expect(Number(d.prev_change_id)).toBe(last);
        const lv = (es: typeof d.bids): [string, string][] => es.map(([a, p, q]) => [p, a === 'delete' ? '0' : q]);
        book.applyLevels(lv(d.bids), lv(d.asks));
      }
      last = Number(d.change_id);
    });
    const truth = protocol.trueBookAt('BTC/USD:BTC', last)!;
    expect(book.snapshot()).toEqual({ bids: truth.bids, asks: truth.asks });
  });

  it('unknown instruments and `raw` (authorized only) are left out of the result; other methods answer errors', async () => {
    const { server } = await start();
    const c = await connect(server);
    c.send({ jsonrpc: '2.0', id: 2, method: 'public/subscribe', params: { channels: ['book.NOPE-PERPETUAL.100ms', 'trades.BTC-PERPETUAL.raw', 'ticker.BTC-PERPETUAL.100ms'] } });
    c.send({ jsonrpc: '2.0', id: 3, method: 'public/nope', params: {} });
    await c.until(() => reply(c, 2) !== undefined && reply(c, 3) !== undefined, 'two replies');
    expect(reply(c, 2)).toMatchObject({ result: ['ticker.BTC-PERPETUAL.100ms'] });
    expect(reply(c, 3)).toMatchObject({ error: { code: -32601 } });
  });

  it('test_request: answered by public/test the connection stays; unanswered it is closed', async () => {
    const { server } = await start({ heartbeatMs: 250 });
    const good = await connect(server);
    const bad = await connect(server);
    for (const c of [good, bad]) c.send({ jsonrpc: '2.0', id: 4, method: 'public/set_heartbeat', params: { interval: 10 } });
    let answered = 0;
    const answer = (): void => {
      const n = good.frames.filter((f) => f.includes('"test_request"')).length;
      for (; answered < n; answered++) good.send({ jsonrpc: '2.0', id: 100 + answered, method: 'public/test', params: {} });
    };
    await good.until(() => (answer(), answered >= 3), 'three test_requests answered');
    await bad.until(() => bad.closed !== undefined, 'the silent client closed');
    expect(reply(good, 4)).toMatchObject({ result: 'ok' });
    expect(reply(good, 100)).toMatchObject({ result: { version: expect.any(String) } });
    expect(good.closed).toBeUndefined();
    expect(bad.closed?.code).toBe(1000);
  });

  it('get_instruments lists every symbol as the documented instrument fields', async () => {
    const { server } = await start();
    const res = await fetch(`${server.restOrigin}/api/v2/public/get_instruments?currency=any`);
    const body = parseKeepingNumbers(await res.text()) as { result: unknown[] };
    const list = body.result.map((i) => DeribitInstrument.parse(i));
    expect(list.map((i) => [i.instrument_name, i.kind, i.instrument_type, i.settlement_period])).toEqual([
      ['BTC-PERPETUAL', 'future', 'reversed', 'perpetual'],
      ['ETH-27DEC24-3000-C', 'option', 'reversed', 'month'],
    ]);
    expect(list[1]).toMatchObject({ strike: '3000', option_type: 'call', quote_currency: 'ETH', counter_currency: 'USD', tick_size: '0.0001' });
  });
});
