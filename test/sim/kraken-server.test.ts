import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SimMarket } from '../../src/sim/market.js';
import { SimLog, SimServer } from '../../src/sim/server.js';
import { createKrakenProtocol } from '../../src/sim/kraken-server.js';
import { sideUpdate } from '../../src/sim/kraken-render.js';
import { simCrc32 } from '../../src/sim/kraken-render.js';
import { krakenAdapter } from '../../src/exchanges/kraken/index.js';
import { BookSync } from '../../src/book/book-sync.js';
import type { AdapterContext } from '../../src/exchanges/types.js';
import type { SimSymbolSpec } from '../../src/sim/types.js';
import { BookFrame } from '../../src/exchanges/kraken/wire.js';
import { parseKeepingNumbers } from '../../src/exchanges/kraken/raw-json.js';
import { readFileSync } from 'node:fs';

const SPECS: SimSymbolSpec[] = [
  { symbol: 'BTC/USD', mid: '30000.0', tickDecimals: 1, lotDecimals: 8 },
  { symbol: 'ETH/USD', mid: '2000.00', tickDecimals: 2, lotDecimals: 8 },
];

const servers: SimServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  for (const s of servers.splice(0)) await s.close();
});

async function start(opts: { trimNumbers?: boolean; diffIntervalMs?: number; heartbeatIntervalMs?: number } = {}): Promise<SimServer> {
  const market = new SimMarket({ seed: 7, symbols: SPECS, levels: 60 });
  const server = new SimServer(
    createKrakenProtocol({ market, diffIntervalMs: opts.diffIntervalMs ?? 5, tradeIntervalMs: 20, heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 50, ...opts }),
    { host: '127.0.0.1', port: 0, log: new SimLog() },
  );
  await server.listen();
  servers.push(server);
  return server;
}

interface Client {
  frames: string[];
  send(o: unknown): void;
  waitFor(pred: (f: string) => boolean, what: string, from?: number): Promise<string>;
}

async function connect(server: SimServer): Promise<Client> {
  const ws = new WebSocket(`${server.wsOrigin}/v2`);
  sockets.push(ws);
  const frames: string[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (d) => {
    frames.push(d.toString());
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    frames,
    send: (o) => ws.send(JSON.stringify(o)),
    waitFor(pred, what, from = 0) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), 3000);
        const check = (): void => {
          const f = frames.slice(from).find(pred);
          if (f !== undefined) {
            clearTimeout(timer);
            resolve(f);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

describe('kraken sim render', () => {
  it('CRC32 (bitwise) matches the IEEE check value', () => {
    expect(simCrc32('123456789')).toBe(0xcbf43926);
  });

  it('a level pushed out of the depth is not deleted on the wire; one removed inside it is, and its successor sent', () => {
    const prev: [string, string][] = [['10', '1'], ['9', '1'], ['8', '1']];
    // insert 9.5 → 8 falls out of a depth-3 window: only the insert is sent
    expect(sideUpdate(prev, [['10', '1'], ['9.5', '2'], ['9', '1']], [['9.5', '2']])).toEqual([['9.5', '2']]);
    // remove 9 → 7 comes into scope: delete 9, send 7
    expect(sideUpdate(prev, [['10', '1'], ['8', '1'], ['7', '3']], [['9', '0']])).toEqual([['9', '0'], ['7', '3']]);
  });
});

describe('kraken sim server', () => {
  it('acks each symbol, sends a snapshot then checksummed updates with full-precision raw numbers', async () => {
    const server = await start();
    const c = await connect(server);
    await c.waitFor((f) => f.includes('"channel":"status"'), 'status');
    c.send({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD', 'ETH/USD'], depth: 10, snapshot: true }, req_id: 3 });
    const ack = await c.waitFor((f) => f.includes('"method":"subscribe"') && f.includes('BTC/USD'), 'ack');
    expect(JSON.parse(ack)).toMatchObject({ method: 'subscribe', success: true, req_id: 3, result: { channel: 'book', depth: 10, symbol: 'BTC/USD' } });
    await c.waitFor((f) => f.includes('"method":"subscribe"') && f.includes('ETH/USD'), 'ack 2');
    const snap = await c.waitFor((f) => f.includes('"type":"snapshot"') && f.includes('BTC/USD'), 'snapshot');
    // every qty token carries 8 decimals, every BTC price 1 decimal, unquoted
    expect(snap).toMatch(/"price":\d+\.\d,"qty":\d+\.\d{8}[},]/);
    expect(snap).not.toMatch(/"price":"/);
    await c.waitFor((f) => f.includes('"type":"update"') && f.includes('BTC/USD'), 'update');
  });

  it("the sim's checksums agree with the adapter's independent checksum code, and the rebuilt book equals the true top-10", async () => {
    const server = await start();
    const c = await connect(server);
    c.send({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD'], depth: 10 }, req_id: 1 });
    const ctx: AdapterContext = { bookDepth: 10, instruments: new Map() };
    let verified = 0;
    let failed = 0;
    const sync = new BookSync({
      exchange: 'kraken',
      symbol: 'BTC/USD',
      market: 'BTC/USD',
      rules: {
        ...krakenAdapter.book,
        verifyChecksum: (b, m) => {
          const ok = krakenAdapter.book.verifyChecksum!(b, m);
          if (ok === true) verified++;
          if (ok === false) failed++;
          return ok;
        },
      },
      subscribedDepth: 10,
      requestSnapshot: () => undefined,
      requestResubscribe: () => undefined,
      emit: () => undefined,
    });
    sync.start(0);
    let seen = 0;
    await c.waitFor(() => {
      for (; seen < c.frames.length; seen++) {
        for (const m of krakenAdapter.parse(c.frames[seen]!, ctx)) if (m.kind === 'book') sync.onMessage(m, seen);
      }
      return verified >= 60;
    }, '60 verified checksums');
    server.pause();
    // drain what is in flight: a ping round trip after the pause
    const from = c.frames.length;
    c.send({ method: 'ping', req_id: 77 });
    await c.waitFor((f) => f.includes('"method":"pong"'), 'pong', from);
    for (; seen < c.frames.length; seen++) {
      for (const m of krakenAdapter.parse(c.frames[seen]!, ctx)) if (m.kind === 'book') sync.onMessage(m, seen);
    }
    expect(failed).toBe(0);
    expect(sync.state).toBe('live');
    // the hand-written book parser equals the zod wire schema on every simulated book frame, and the simulated
    // frames have the real frames' shape (the doc example's keys, in order)
    const docKeys = Object.keys(
      (JSON.parse(readFileSync(new URL('../../fixtures/kraken/v2-doc/book-update-maticusd.json', import.meta.url), 'utf8')) as {
        data: Record<string, unknown>[];
      }).data[0]!,
    );
    let books = 0;
    for (const f of c.frames) {
      if (!f.startsWith('{"channel":"book"')) continue;
      books++;
      const raw = parseKeepingNumbers(f) as { type: string; data: Record<string, unknown>[] };
      if (raw.type === 'update') expect(Object.keys(raw.data[0]!)).toEqual(docKeys);
      const z = BookFrame.parse(raw);
      const [m] = krakenAdapter.parse(f, ctx);
      expect(m).toMatchObject({
        kind: 'book',
        market: z.data[0]!.symbol,
        bids: z.data[0]!.bids.map((l) => [l.price, l.qty]),
        asks: z.data[0]!.asks.map((l) => [l.price, l.qty]),
        checksum: Number(z.data[0]!.checksum),
      });
    }
    expect(books).toBeGreaterThanOrEqual(60); // every one of them carried a verified checksum
    const truth = server.protocol.trueBook('BTC/USD')!;
    expect(sync.book.top(10)).toEqual({ bids: truth.bids.slice(0, 10), asks: truth.asks.slice(0, 10) });
  });

  it('trimmed numbers (as Kraken sometimes sends) are accepted once padded with AssetPairs precision', async () => {
    const server = await start({ trimNumbers: true });
    const res = await fetch(`${server.restOrigin}/0/public/AssetPairs`);
    const instruments = krakenAdapter.parseInstruments(await res.text());
    expect(instruments.map((i) => [i.market, i.pricePrecision, i.qtyPrecision])).toEqual([
      ['BTC/USD', 1, 8],
      ['ETH/USD', 2, 8],
    ]);
    const ctx: AdapterContext = { bookDepth: 10, instruments: new Map(instruments.map((i) => [i.market, i])) };
    const c = await connect(server);
    c.send({ method: 'subscribe', params: { channel: 'book', symbol: ['ETH/USD'], depth: 10 }, req_id: 1 });
    // the market evolves on a timer, so which frame first carries a trimmed token varies: wait for one
    const trimmed = /"qty":\d+(\.\d{1,7})?[},]/; // a token shorter than 8 decimals
    const snap = await c.waitFor((f) => f.includes('"channel":"book"') && trimmed.test(f), 'a book frame with a trimmed qty');
    const [m] = krakenAdapter.parse(snap, ctx);
    if (m?.kind !== 'book') throw new Error('no book');
    for (const [p, q] of [...m.bids, ...m.asks]) {
      expect(p).toMatch(/^\d+\.\d{2}$/);
      expect(q).toMatch(/^\d+\.\d{8}$/);
    }
  });

  it('REST AssetPairs uses legacy wsname codes (XBT)', async () => {
    const server = await start();
    const body = (await (await fetch(`${server.restOrigin}/0/public/AssetPairs`)).json()) as { result: Record<string, { wsname: string }> };
    expect(Object.values(body.result).map((p) => p.wsname)).toEqual(['XBT/USD', 'ETH/USD']);
  });

  it('unknown pair and a rejected pair get error replies; ping gets a pong; heartbeats flow', async () => {
    const server = await start();
    const c = await connect(server);
    c.send({ method: 'subscribe', params: { channel: 'ticker', symbol: ['FOO/USD', 'BTC/USD'], event_trigger: 'bbo' }, req_id: 5 });
    const err = await c.waitFor((f) => f.includes('"success":false'), 'error');
    expect(JSON.parse(err)).toMatchObject({ error: 'Currency pair not supported FOO/USD', method: 'subscribe', success: false, symbol: 'FOO/USD', req_id: 5 });
    expect(krakenAdapter.parse(err, { bookDepth: 10, instruments: new Map() })).toEqual([
      { kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', message: 'Currency pair not supported FOO/USD', market: 'FOO/USD', id: 5 },
    ]);
    await c.waitFor((f) => f.includes('"channel":"ticker"') && f.includes('"type":"snapshot"'), 'ticker snapshot');
    await c.waitFor((f) => f.includes('"channel":"ticker"') && f.includes('"type":"update"'), 'ticker update');
    server.fault({ kind: 'kraken-reject', symbol: 'ETH/USD' });
    c.send({ method: 'subscribe', params: { channel: 'trade', symbol: ['ETH/USD'] }, req_id: 6 });
    await c.waitFor((f) => f.includes('Currency pair not supported ETH/USD'), 'reject');
    c.send({ method: 'ping', req_id: 101 });
    const p = await c.waitFor((f) => f.includes('"method":"pong"'), 'pong');
    expect(JSON.parse(p)).toMatchObject({ method: 'pong', req_id: 101 });
    expect(krakenAdapter.parse(p, { bookDepth: 10, instruments: new Map() })).toEqual([{ kind: 'pong' }]);
    await c.waitFor((f) => f === '{"channel":"heartbeat"}', 'heartbeat');
  });

  it('bad-checksum and drop-diff faults break the checksum of that symbol only; resubscribe gives a fresh snapshot', async () => {
    const server = await start();
    const c = await connect(server);
    const ctx: AdapterContext = { bookDepth: 10, instruments: new Map() };
    c.send({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD', 'ETH/USD'], depth: 10 }, req_id: 1 });
    await c.waitFor((f) => f.includes('"type":"update"') && f.includes('ETH/USD'), 'eth update');
    const resyncs: string[] = [];
    const syncs = new Map<string, BookSync>();
    for (const market of ['BTC/USD', 'ETH/USD']) {
      const s = new BookSync({
        exchange: 'kraken',
        symbol: market,
        market,
        rules: krakenAdapter.book,
        subscribedDepth: 10,
        requestSnapshot: () => undefined,
        requestResubscribe: () => {
          resyncs.push(market);
          c.send({ method: 'unsubscribe', params: { channel: 'book', symbol: [market], depth: 10 }, req_id: 2 });
          c.send({ method: 'subscribe', params: { channel: 'book', symbol: [market], depth: 10 }, req_id: 3 });
        },
        emit: () => undefined,
      });
      s.start(0);
      syncs.set(market, s);
    }
    let seen = 0;
    const pump = (): void => {
      for (; seen < c.frames.length; seen++) {
        for (const m of krakenAdapter.parse(c.frames[seen]!, ctx)) if (m.kind === 'book') syncs.get(m.market)!.onMessage(m, seen);
      }
    };
    await c.waitFor(() => (pump(), syncs.get('BTC/USD')!.state === 'live' && syncs.get('ETH/USD')!.state === 'live'), 'both live');
    server.fault({ kind: 'kraken-bad-checksum', symbol: 'BTC/USD' });
    await c.waitFor(() => (pump(), resyncs.length === 1), 'resync after bad checksum');
    expect(resyncs).toEqual(['BTC/USD']);
    expect(syncs.get('ETH/USD')!.state).toBe('live');
    await c.waitFor(() => (pump(), syncs.get('BTC/USD')!.state === 'live'), 'BTC live again');
    server.fault({ kind: 'drop-diff', symbol: 'ETH/USD', count: 4 }); // one lost update may be healed by the next
    await c.waitFor(() => (pump(), resyncs.length === 2), 'resync after a dropped update');
    expect(resyncs).toEqual(['BTC/USD', 'ETH/USD']);
    await c.waitFor(() => (pump(), syncs.get('ETH/USD')!.state === 'live'), 'ETH live again');
    expect(syncs.get('BTC/USD')!.state).toBe('live');
  });
});
