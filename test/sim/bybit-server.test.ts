/**
 * The simulated Bybit v5 servers over loopback, checked against the wire facts of docs/protocols/bybit.md with a plain
 * `ws` client (no tickwire adapter involved).
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBybitProtocol, type BybitServerOptions } from '../../src/sim/bybit-server.js';
import { SimLog, SimServer } from '../../src/sim/server.js';

type Json = Record<string, unknown>;
type L = [string, string];
interface BookMsg {
  topic: string;
  type: 'snapshot' | 'delta';
  ts: number;
  data: { s: string; b: L[]; a: L[]; u: number; seq: number };
}

const servers: SimServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(opts: Partial<BybitServerOptions> & Pick<BybitServerOptions, 'category'>): Promise<SimServer> {
  const server = new SimServer(createBybitProtocol({ seed: 7, levels: 300, stepMs: 5, tradeMs: 20, tickerMs: 10, ...opts }), {
    host: '127.0.0.1',
    port: 0,
    log: new SimLog(),
  });
  await server.listen();
  servers.push(server);
  return server;
}

/** A client that keeps every frame and lets a test await the next one matching a predicate. */
async function client(server: SimServer, category: 'spot' | 'linear') {
  const ws = new WebSocket(`${server.wsOrigin}/v5/public/${category}`);
  sockets.push(ws);
  const frames: Json[] = [];
  let cursor = 0;
  const waiters: (() => void)[] = [];
  ws.on('message', (d: Buffer) => {
    frames.push(JSON.parse(d.toString()) as Json);
    for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  /** Next frame (after the previous `next`) matching `pred`; frames before it are skipped. */
  const next = async (pred: (f: Json) => boolean, timeoutMs = 3000): Promise<Json> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (cursor < frames.length) {
        const f = frames[cursor++]!;
        if (pred(f)) return f;
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  };
  const send = (o: unknown): void => ws.send(JSON.stringify(o));
  return { ws, frames, next, send };
}

const isOp = (op: string) => (f: Json) => f.op === op;
const onTopic = (topic: string) => (f: Json) => f.topic === topic;

/** Rebuild a book from snapshot + delta frames with plain maps. */
function applyBook(book: { b: Map<string, string>; a: Map<string, string> }, m: BookMsg): void {
  if (m.type === 'snapshot') {
    book.b.clear();
    book.a.clear();
  }
  for (const [side, lv] of [['b', m.data.b], ['a', m.data.a]] as const) {
    for (const [p, s] of lv) {
      if (Number(s) === 0) book[side].delete(p);
      else book[side].set(p, s);
    }
  }
}
const sortedSide = (m: Map<string, string>, desc: boolean): L[] =>
  [...m].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));

describe('bybit sim: control frames', () => {
  it('spot: pong and ack shapes, args size >10, invalid symbol / handler not found', async () => {
    const server = await start({ category: 'spot' });
    const c = await client(server, 'spot');
    c.send({ op: 'ping' });
    const pong = await c.next(isOp('ping'));
    expect(pong).toMatchObject({ success: true, ret_msg: 'pong', op: 'ping' });
    expect(pong).not.toHaveProperty('req_id');
    c.send({ req_id: '5', op: 'subscribe', args: ['publicTrade.BTCUSDT'] });
    expect(await c.next(isOp('subscribe'))).toMatchObject({ success: true, ret_msg: 'subscribe', req_id: '5' });
    const eleven = Array.from({ length: 11 }, (_, i) => (i % 2 === 0 ? 'tickers.ETHUSDT' : `orderbook.1.ETHUSDT`));
    c.send({ req_id: '6', op: 'subscribe', args: eleven });
    expect(await c.next(isOp('subscribe'))).toMatchObject({ success: false, ret_msg: 'args size >10', req_id: '6' });
    c.send({ req_id: '7', op: 'subscribe', args: ['tickers.NOPEUSDT'] });
    expect(await c.next(isOp('subscribe'))).toMatchObject({ success: false, ret_msg: 'Invalid symbol :[tickers.NOPEUSDT]' });
    c.send({ req_id: '8', op: 'subscribe', args: ['publicTrade.NOTASYMBOL'] });
    expect(await c.next(isOp('subscribe'))).toMatchObject({
      success: false,
      ret_msg: 'error:handler not found,topic:publicTrade.NOTASYMBOL',
    });
    const trade = await c.next(onTopic('publicTrade.BTCUSDT'));
    const t = (trade.data as Json[])[0]!;
    expect(t).toMatchObject({ s: 'BTCUSDT', BT: false });
    expect(['Buy', 'Sell']).toContain(t.S);
  });

  it('linear: pong and ack carry req_id (empty when none was sent); no args limit', async () => {
    const server = await start({ category: 'linear' });
    const c = await client(server, 'linear');
    c.send({ op: 'ping' });
    expect(await c.next(isOp('ping'))).toMatchObject({ success: true, ret_msg: 'pong', req_id: '' });
    const args = ['BTCUSDT', 'ETHUSDT', 'XRPUSDT'].flatMap((m) => [`tickers.${m}`, `publicTrade.${m}`, `orderbook.50.${m}`, `orderbook.200.${m}`]);
    c.send({ req_id: '9', op: 'subscribe', args });
    expect(await c.next(isOp('subscribe'))).toEqual({ success: true, ret_msg: '', conn_id: expect.any(String) as string, req_id: '9', op: 'subscribe' });
  });

  it('REST instruments-info lists the symbols per category', async () => {
    const server = await start({ category: 'linear' });
    const body = (await (await fetch(`${server.restOrigin}/v5/market/instruments-info?category=linear&limit=1000`)).json()) as Json;
    expect(body).toMatchObject({ retCode: 0, result: { category: 'linear' } });
    const list = (body.result as { list: Json[] }).list;
    expect(list.map((i) => i.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'XRPUSDT']);
    expect(list[0]).toMatchObject({ contractType: 'LinearPerpetual', status: 'Trading', priceFilter: { tickSize: '0.01' }, lotSizeFilter: { qtyStep: '0.001' } });
    const wrong = (await (await fetch(`${server.restOrigin}/v5/market/instruments-info?category=spot`)).json()) as Json;
    expect(wrong.retCode).toBe(10001);
  });
});

describe('bybit sim: books', () => {
  it('orderbook.50: snapshot then deltas with u + 1 each; the rebuilt book is the true top 50 at every u', async () => {
    const server = await start({ category: 'linear' });
    const c = await client(server, 'linear');
    c.send({ req_id: '1', op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    await c.next(isOp('subscribe'));
    const book = { b: new Map<string, string>(), a: new Map<string, string>() };
    let lastU = 0;
    let deltas = 0;
    const snap = (await c.next(onTopic('orderbook.50.BTCUSDT'))) as unknown as BookMsg;
    expect(snap.type).toBe('snapshot');
    applyBook(book, snap);
    lastU = snap.data.u;
    while (deltas < 60) {
      const m = (await c.next(onTopic('orderbook.50.BTCUSDT'))) as unknown as BookMsg;
      expect(m.type).toBe('delta');
      expect(m.data.u).toBe(lastU + 1);
      lastU = m.data.u;
      applyBook(book, m);
      deltas++;
      expect(book.b.size).toBe(50);
      expect(book.a.size).toBe(50);
      const truth = server.protocol.trueBookAt('BTC/USDT', m.data.u);
      expect(truth).toBeDefined();
      expect(sortedSide(book.b, true)).toEqual(truth!.bids.slice(0, 50));
      expect(sortedSide(book.a, false)).toEqual(truth!.asks.slice(0, 50));
    }
  });

  it('spot orderbook.1 is snapshot-only and re-pushed with the same u while the top does not change', async () => {
    const server = await start({ category: 'spot', stepMs: 60_000, level1RepushMs: 40 });
    const c = await client(server, 'spot');
    c.send({ op: 'subscribe', args: ['orderbook.1.BTCUSDT', 'tickers.BTCUSDT'] });
    const first = (await c.next(onTopic('orderbook.1.BTCUSDT'))) as unknown as BookMsg;
    const second = (await c.next(onTopic('orderbook.1.BTCUSDT'))) as unknown as BookMsg;
    expect([first.type, second.type]).toEqual(['snapshot', 'snapshot']);
    expect(second.data.u).toBe(first.data.u);
    expect(second.data.b).toEqual(first.data.b);
    expect(first.data.b).toHaveLength(1);
    // spot tickers carry no best bid/ask
    const tick = await c.next(onTopic('tickers.BTCUSDT'));
    expect(tick.type).toBe('snapshot');
    expect(tick.data).toHaveProperty('lastPrice');
    expect(tick.data).not.toHaveProperty('bid1Price');
  });

  it('linear tickers: snapshot with bid1/ask1, then deltas with only the changed fields', async () => {
    const server = await start({ category: 'linear' });
    const c = await client(server, 'linear');
    c.send({ op: 'subscribe', args: ['tickers.ETHUSDT'] });
    const snap = await c.next(onTopic('tickers.ETHUSDT'));
    expect(snap.type).toBe('snapshot');
    const merged = { ...(snap.data as Record<string, string>) };
    expect(merged).toHaveProperty('bid1Price');
    for (let i = 0; i < 5; i++) {
      const d = await c.next(onTopic('tickers.ETHUSDT'));
      expect(d.type).toBe('delta');
      const fields = d.data as Record<string, string>;
      const changed = Object.keys(fields).filter((k) => k !== 'symbol');
      expect(changed.length).toBeGreaterThan(0);
      for (const k of changed) expect(fields[k]).not.toBe(merged[k]);
      Object.assign(merged, fields);
    }
  });
});

describe('bybit sim: faults', () => {
  async function bookClient(category: 'spot' | 'linear', topic = 'orderbook.50.BTCUSDT') {
    const server = await start({ category });
    const c = await client(server, category);
    c.send({ op: 'subscribe', args: [topic] });
    await c.next(isOp('subscribe'));
    return { server, c };
  }
  const bookOn = (topic: string) => (f: Json) => f.topic === topic;

  it('bybit-u-decrease: the next delta carries a lower u, then u increases again', async () => {
    const { server, c } = await bookClient('linear');
    const t = 'orderbook.50.BTCUSDT';
    const s = (await c.next(bookOn(t))) as unknown as BookMsg;
    const d1 = (await c.next(bookOn(t))) as unknown as BookMsg;
    expect(d1.data.u).toBeGreaterThan(s.data.u);
    server.fault({ kind: 'bybit-u-decrease', symbol: 'BTC/USDT' });
    let prev = d1.data.u;
    let seenDecrease = false;
    for (let i = 0; i < 20 && !seenDecrease; i++) {
      const d = (await c.next(bookOn(t))) as unknown as BookMsg;
      if (d.data.u < prev) seenDecrease = true;
      prev = Math.max(prev, d.data.u);
    }
    expect(seenDecrease).toBe(true);
    const after = (await c.next(bookOn(t))) as unknown as BookMsg;
    expect(after.data.u).toBeGreaterThan(prev);
  });

  it('drop-diff: the dropped delta still uses up its u, so the next one shows a hole of exactly one', async () => {
    const { server, c } = await bookClient('linear');
    const t = 'orderbook.50.BTCUSDT';
    await c.next(bookOn(t));
    const before = (await c.next(bookOn(t))) as unknown as BookMsg;
    server.fault({ kind: 'drop-diff', symbol: 'BTC/USDT' });
    let prev = before.data.u;
    const steps: number[] = [];
    for (let i = 0; i < 10; i++) {
      const d = (await c.next(bookOn(t))) as unknown as BookMsg;
      steps.push(d.data.u - prev);
      prev = d.data.u;
    }
    expect(steps.filter((x) => x !== 1)).toEqual([2]);
  });

  it('two depths of one symbol: each counts its own u by 1; trueBookAt serves each at its own u', async () => {
    const server = await start({ category: 'spot' });
    const c = await client(server, 'spot');
    c.send({ op: 'subscribe', args: ['orderbook.1.BTCUSDT', 'orderbook.50.BTCUSDT'] });
    const last = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const m = (await c.next((f) => typeof f.topic === 'string' && f.topic.startsWith('orderbook.'))) as unknown as BookMsg & { topic: string };
      const prev = last.get(m.topic);
      if (prev !== undefined) expect(m.data.u - prev, m.topic).toBe(m.type === 'snapshot' && m.data.u === prev ? 0 : 1);
      last.set(m.topic, m.data.u);
      const depth = m.topic === 'orderbook.1.BTCUSDT' ? 1 : 50;
      const truth = server.protocol.trueBookAt('BTC/USDT', m.data.u);
      expect(truth, `${m.topic} u ${m.data.u}`).toBeDefined();
      if (m.type === 'snapshot') {
        expect(m.data.b).toEqual(truth!.bids.slice(0, depth));
        expect(m.data.a).toEqual(truth!.asks.slice(0, depth));
      }
    }
    expect(last.size).toBe(2);
  });

  it('bybit-missing-snapshot: the subscription gets deltas but no snapshot; the next one gets its snapshot', async () => {
    const server = await start({ category: 'spot' });
    const c = await client(server, 'spot');
    server.fault({ kind: 'bybit-missing-snapshot', symbol: 'BTC/USDT' });
    c.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    await c.next(isOp('subscribe'));
    expect((await c.next(bookOn('orderbook.50.BTCUSDT'))).type).toBe('delta');
    c.send({ op: 'unsubscribe', args: ['orderbook.50.BTCUSDT'] });
    await c.next(isOp('unsubscribe'));
    c.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    await c.next(isOp('subscribe'));
    expect((await c.next(bookOn('orderbook.50.BTCUSDT'))).type).toBe('snapshot');
  });

  it('bybit-restart: a snapshot with u == 1, then u counts on from there; trueBookAt follows the new ids', async () => {
    const { server, c } = await bookClient('linear');
    const t = 'orderbook.50.BTCUSDT';
    await c.next(bookOn(t));
    await c.next(bookOn(t));
    server.fault({ kind: 'bybit-restart', symbol: 'BTC/USDT' });
    const restart = (await c.next((f) => f.topic === t && f.type === 'snapshot')) as unknown as BookMsg;
    expect(restart.data.u).toBe(1);
    const book = { b: new Map<string, string>(), a: new Map<string, string>() };
    applyBook(book, restart);
    let prev = 1;
    for (let i = 0; i < 10; i++) {
      const d = (await c.next(bookOn(t))) as unknown as BookMsg;
      expect(d.data.u).toBe(prev + 1);
      prev = d.data.u;
      applyBook(book, d);
    }
    const truth = server.protocol.trueBookAt('BTC/USDT', prev)!;
    expect(sortedSide(book.b, true)).toEqual(truth.bids.slice(0, 50));
  });

  it('bybit-absent-deletes: a delta deletes prices that are not in the book', async () => {
    const { server, c } = await bookClient('linear');
    const t = 'orderbook.50.BTCUSDT';
    const book = { b: new Map<string, string>(), a: new Map<string, string>() };
    applyBook(book, (await c.next(bookOn(t))) as unknown as BookMsg);
    server.fault({ kind: 'bybit-absent-deletes', symbol: 'BTC/USDT' });
    let absentDeletes = 0;
    for (let i = 0; i < 20 && absentDeletes === 0; i++) {
      const d = (await c.next(bookOn(t))) as unknown as BookMsg;
      for (const [p, s] of d.data.b) if (s === '0' && !book.b.has(p)) absentDeletes++;
      for (const [p, s] of d.data.a) if (s === '0' && !book.a.has(p)) absentDeletes++;
      applyBook(book, d);
    }
    expect(absentDeletes).toBe(2);
  });

  it('bybit-error-reply: the subscribe fails for that symbol only; the other symbol streams', async () => {
    const server = await start({ category: 'linear' });
    const c = await client(server, 'linear');
    server.fault({ kind: 'bybit-error-reply', symbol: 'ETH/USDT' });
    c.send({ req_id: '3', op: 'subscribe', args: ['publicTrade.ETHUSDT', 'publicTrade.BTCUSDT'] });
    expect(await c.next(isOp('subscribe'))).toMatchObject({ success: false, ret_msg: 'Invalid symbol :[publicTrade.ETHUSDT]', req_id: '3' });
    await c.next(onTopic('publicTrade.BTCUSDT'));
    expect(c.frames.some((f) => f.topic === 'publicTrade.ETHUSDT')).toBe(false);
  });

  it('silence stops data but not pongs', async () => {
    const { server, c } = await bookClient('linear');
    await c.next(bookOn('orderbook.50.BTCUSDT'));
    server.fault({ kind: 'silence' });
    // the first pong flushes frames already in flight; then only pongs may arrive
    c.send({ op: 'ping' });
    await c.next(isOp('ping'));
    const before = c.frames.length;
    const t0 = Date.now();
    while (Date.now() - t0 < 50) {
      c.send({ op: 'ping' });
      await c.next(isOp('ping'));
    }
    expect(c.frames.slice(before).filter((f) => f.topic !== undefined)).toHaveLength(0);
  });
});
