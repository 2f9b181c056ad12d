import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { getJson, WsProbe, type Depth } from './helpers.js';

let sim: Simulator;
let ws = '';
let rest = '';
const probes: WsProbe[] = [];

beforeAll(async () => {
  sim = await startSim({ seed: 3, exchanges: ['binance', 'binance-futures'], intervalMs: 10, pingIntervalMs: 30, levels: 60, symbols: ['BTC/USDT', 'ETH/USDT'] });
  ws = sim.endpoints.binance?.ws ?? '';
  rest = sim.endpoints.binance?.rest ?? '';
});
afterEach(() => {
  sim.clearFaults();
  for (const p of probes.splice(0)) p.close();
});
afterAll(async () => {
  await sim.close();
});

async function open(path: string): Promise<WsProbe> {
  const p = await WsProbe.open(`${ws}${path}`);
  probes.push(p);
  return p;
}

const BTC = 'btcusdt@depth@100ms';
const ETH = 'ethusdt@depth@100ms';

/** Count breaks of the spot U == prev u + 1 chain. */
function holes(ds: Record<string, unknown>[]): number {
  let n = 0;
  for (let i = 1; i < ds.length; i++) if ((ds[i] as unknown as Depth).U !== (ds[i - 1] as unknown as Depth).u + 1) n++;
  return n;
}
function garbageCount(p: WsProbe): number {
  return p.frames.filter((f) => {
    try {
      JSON.parse(f);
      return false;
    } catch {
      return true;
    }
  }).length;
}

describe('diff faults (aimed at one symbol)', () => {
  it('drop-diff leaves an id hole in that symbol only', async () => {
    const p = await open(`/stream?streams=${BTC}/${ETH}`);
    await p.until(() => p.data(BTC).length >= 3, 5000, 'btc diffs');
    sim.fault('binance', { kind: 'drop-diff', symbol: 'BTC/USDT', count: 2 });
    const n0 = p.data(BTC).length;
    await p.until(() => p.data(BTC).length >= n0 + 5, 5000, 'more btc diffs');
    expect(holes(p.data(BTC))).toBe(1);
    expect(holes(p.data(ETH))).toBe(0);
    expect(garbageCount(p)).toBe(0);
  });

  it('garbage-diff replaces one diff with unparseable text (then a hole)', async () => {
    const p = await open(`/stream?streams=${BTC}/${ETH}`);
    await p.until(() => p.data(BTC).length >= 3, 5000, 'btc diffs');
    sim.fault('binance', { kind: 'garbage-diff', symbol: 'BTC/USDT' });
    const n0 = p.data(BTC).length;
    await p.until(() => p.data(BTC).length >= n0 + 5, 5000, 'more btc diffs');
    expect(garbageCount(p)).toBe(1);
    expect(p.frames.find((f) => f.startsWith(`{"stream":"${BTC}"`) && !f.endsWith('}'))).toBeDefined();
    expect(holes(p.data(BTC))).toBe(1);
    expect(holes(p.data(ETH))).toBe(0);
  });

  it('garbage-frame injects one bad frame between good ones, no hole', async () => {
    const p = await open(`/stream?streams=${BTC}`);
    await p.until(() => p.data(BTC).length >= 3, 5000, 'btc diffs');
    sim.fault('binance', { kind: 'garbage-frame', symbol: 'BTC/USDT' });
    const n0 = p.data(BTC).length;
    await p.until(() => p.data(BTC).length >= n0 + 5, 5000, 'more btc diffs');
    expect(garbageCount(p)).toBe(1);
    expect(holes(p.data(BTC))).toBe(0);
  });
});

describe('connection faults', () => {
  it('silence: no data on the connection carrying the symbol, pings go on; other connections unaffected', async () => {
    const a = await open(`/stream?streams=${BTC}`);
    const b = await open(`/stream?streams=${ETH}`);
    await a.until(() => a.frames.length >= 2 && b.frames.length >= 2, 5000, 'data on both');
    sim.fault('binance', { kind: 'silence', symbol: 'BTC/USDT' });
    const pings0 = a.pings.length;
    await a.until(() => a.pings.length > pings0, 5000, 'a ping after the fault'); // frames in flight are in
    const base = a.frames.length;
    const bBase = b.frames.length;
    await a.until(() => a.pings.length >= pings0 + 4, 5000, 'pings during silence');
    expect(a.frames.length).toBe(base);
    expect(b.frames.length).toBeGreaterThan(bBase);
    expect(a.closed).toBeUndefined();
    sim.clearFaults('binance');
    await a.until(() => a.frames.length > base, 5000, 'data after clearing');
  });

  it('stop-all: no frames, no pings, no pong to a client ping; restored when cleared', async () => {
    const a = await open(`/stream?streams=${BTC}`);
    const b = await open(`/stream?streams=${ETH}`);
    await a.until(() => a.frames.length >= 2 && a.pings.length >= 1, 5000, 'data and pings');
    sim.fault('binance', { kind: 'stop-all', symbol: 'BTC/USDT' });
    const bp = b.pings.length;
    await b.until(() => b.pings.length > bp, 5000, 'b ping'); // anything sent to a before the fault has arrived
    const frames0 = a.frames.length;
    const pings0 = a.pings.length;
    a.ws.ping('are-you-there');
    await b.until(() => b.pings.length >= bp + 5, 5000, 'time passing on b');
    expect(a.frames.length).toBe(frames0);
    expect(a.pings.length).toBe(pings0);
    expect(a.pongs).toEqual([]);
    sim.clearFaults();
    a.ws.ping('again');
    await a.until(() => a.pongs.includes('again') && a.frames.length > frames0, 5000, 'pong and data after clearing');
  });

  it('close: closes the connections carrying the symbol with the given code and reason', async () => {
    const a = await open(`/stream?streams=${BTC}`);
    const b = await open(`/stream?streams=${ETH}`);
    await a.until(() => a.frames.length >= 1 && b.frames.length >= 1, 5000, 'data');
    sim.fault('binance', { kind: 'close', symbol: 'BTC/USDT', code: 4001, reason: 'sim test' });
    await a.until(() => a.closed !== undefined, 5000, 'close');
    expect(a.closed).toEqual({ code: 4001, reason: 'sim test' });
    const n = b.frames.length;
    await b.until(() => b.frames.length >= n + 3, 5000, 'b keeps streaming');
    expect(b.closed).toBeUndefined();
  });

  it('server-shutdown: serverShutdown event frame, then close', async () => {
    const a = await open(`/stream?streams=${BTC}`);
    const r = await open(`/ws/${ETH}`);
    await a.until(() => a.frames.length >= 1 && r.frames.length >= 1, 5000, 'data');
    sim.fault('binance', { kind: 'server-shutdown' });
    // each socket's condition is checked on its own events: wait for each close on its own socket
    await Promise.all([
      a.until(() => a.closed !== undefined, 5000, 'combined close'),
      r.until(() => r.closed !== undefined, 5000, 'raw close'),
    ]);
    const combined = a.json().find((f) => f['stream'] === '!serverShutdown');
    expect(combined?.['data']).toMatchObject({ e: 'serverShutdown', E: expect.any(Number) });
    expect(r.json().find((f) => f['e'] === 'serverShutdown')).toMatchObject({ E: expect.any(Number) });
    expect(a.closed?.code).toBe(1001);
  });

  it('black-hole: subscription acked, that symbol never sent; an unknown symbol behaves the same (ack + silence)', async () => {
    sim.fault('binance', { kind: 'black-hole', symbol: 'BTC/USDT' });
    const p = await open('/stream');
    p.send({ method: 'SUBSCRIBE', params: [BTC, 'dogeusdt@depth@100ms', ETH], id: 1 });
    await p.until(() => p.data(ETH).length >= 15, 5000, 'eth data');
    expect(p.json()[0]).toEqual({ result: null, id: 1 });
    expect(p.data(BTC)).toEqual([]);
    expect(p.data('dogeusdt@depth@100ms')).toEqual([]);
    sim.clearFaults('binance');
    await p.until(() => p.data(BTC).length >= 1, 5000, 'btc after clearing');
  });
});

describe('subscriptions, errors, keepalive and the log', () => {
  it('SUBSCRIBE / LIST / UNSUBSCRIBE acks, errors, and the log counts them', async () => {
    const p = await open('/stream?probe=subs1');
    p.send({ method: 'SUBSCRIBE', params: [BTC, 'btcusdt@bookTicker'], id: 1 });
    await p.until(() => p.json().some((f) => f['id'] === 1), 5000, 'ack 1');
    p.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    await p.until(() => p.json().some((f) => f['id'] === 2), 5000, 'list');
    expect(p.json().find((f) => f['id'] === 2)).toEqual({ result: [BTC, 'btcusdt@bookTicker'], id: 2 });
    await p.until(() => p.data(BTC).length >= 2, 5000, 'depth data');
    p.send({ method: 'UNSUBSCRIBE', params: [BTC], id: 3 });
    await p.until(() => p.json().some((f) => f['id'] === 3), 5000, 'ack 3');
    expect(p.json().find((f) => f['id'] === 3)).toEqual({ result: null, id: 3 });
    const depthAfterAck = p.data(BTC).length;
    const tickers = p.data('btcusdt@bookTicker').length;
    await p.until(() => p.data('btcusdt@bookTicker').length >= tickers + 5, 5000, 'bookTickers go on');
    expect(p.data(BTC).length).toBe(depthAfterAck);

    p.send('{nope');
    await p.until(() => p.json().some((f) => (f['error'] as { code?: number } | undefined)?.code === 3), 5000, 'json error');
    p.send({ method: 'FOO', id: 4 });
    await p.until(() => p.json().some((f) => f['id'] === 4), 5000, 'method error');
    expect((p.json().find((f) => f['id'] === 4)?.['error'] as { code: number }).code).toBe(2);

    const conn = sim.entries('binance').find((e) => e.kind === 'ws-open' && e.data?.includes('probe=subs1'))?.connection;
    const recv = sim.entries('binance').filter((e) => e.connection === conn && e.kind === 'ws-recv');
    const method = (m: string): number => recv.filter((e) => e.data?.includes(`"method":"${m}"`)).length;
    expect(method('SUBSCRIBE')).toBe(1);
    expect(method('UNSUBSCRIBE')).toBe(1);
    expect(recv.length).toBe(5);
  });

  it('invalid stream names get error code 2; more than 5 messages in a second closes the connection', async () => {
    const p = await open('/stream');
    p.send({ method: 'SUBSCRIBE', params: ['btcusdt@nonsense'], id: 9 });
    await p.until(() => p.json().some((f) => f['id'] === 9), 5000, 'error reply');
    expect(p.json().find((f) => f['id'] === 9)).toEqual({ error: { code: 2, msg: 'Invalid request: invalid stream' }, id: 9 });
    for (let i = 0; i < 7; i++) p.send({ method: 'LIST_SUBSCRIPTIONS', id: 100 + i });
    await p.until(() => p.closed !== undefined, 5000, 'rate-limit close');
    expect(p.closed?.code).toBe(1008);
  });

  it('pings carry a payload the client echoes (logged both ways)', async () => {
    const p = await open(`/stream?probe=ping1&streams=${BTC}`);
    await p.until(() => p.pings.length >= 2, 5000, 'pings');
    const conn = sim.entries('binance').find((e) => e.kind === 'ws-open' && e.data?.includes('probe=ping1'))?.connection;
    const payload = p.pings[0] ?? '';
    expect(payload).not.toBe('');
    const mine = sim.entries('binance').filter((e) => e.connection === conn);
    expect(mine.some((e) => e.kind === 'ws-send-control' && e.data === `ping ${payload}`)).toBe(true);
    expect(mine.some((e) => e.kind === 'ws-recv-control' && e.data === `pong ${payload}`)).toBe(true);
  });

  it('futures: /public paths only; bookTicker has e/E/T, spot has none', async () => {
    const fws = sim.endpoints['binance-futures']?.ws ?? '';
    await expect(WsProbe.open(`${fws}/stream?streams=btcusdt@bookTicker`)).rejects.toThrow('404');
    const f = await WsProbe.open(`${fws}/public/ws/btcusdt@bookTicker`);
    probes.push(f);
    const s = await open('/ws/btcusdt@bookTicker');
    await f.until(() => f.frames.length >= 1, 5000, 'futures bookTicker');
    await s.until(() => s.frames.length >= 1, 5000, 'spot bookTicker');
    expect(Object.keys(f.json()[0] ?? {}).sort()).toEqual(['A', 'B', 'E', 'T', 'a', 'b', 'e', 's', 'u']);
    expect(Object.keys(s.json()[0] ?? {}).sort()).toEqual(['A', 'B', 'a', 'b', 's', 'u']);
  });
});

describe('REST faults and weights', () => {
  const depth = (): Promise<{ status: number; headers: Headers; body: unknown }> => getJson(`${rest}/api/v3/depth?symbol=BTCUSDT&limit=10`);

  it('429 and 418 carry Retry-After; 500 counts down; slow delays', async () => {
    sim.fault('binance', { kind: 'rest-429', retryAfterSec: 3 });
    const r429 = await depth();
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('3');
    expect(r429.body).toMatchObject({ code: -1003 });
    expect((await depth()).status).toBe(200);

    sim.fault('binance', { kind: 'rest-418', retryAfterSec: 120 });
    const r418 = await depth();
    expect(r418.status).toBe(418);
    expect(r418.headers.get('retry-after')).toBe('120');

    sim.fault('binance', { kind: 'rest-500', count: 2 });
    expect([(await depth()).status, (await depth()).status, (await depth()).status]).toEqual([500, 500, 200]);

    sim.fault('binance', { kind: 'rest-slow', delayMs: 300, count: 1 });
    const t0 = Date.now();
    expect((await depth()).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    const t1 = Date.now();
    await depth();
    expect(Date.now() - t1).toBeLessThan(290);

    const statuses = sim.entries('binance').filter((e) => e.kind === 'rest' && e.data?.startsWith('/api/v3/depth')).map((e) => e.status);
    expect(statuses.slice(-8)).toEqual([429, 200, 418, 500, 500, 200, 200, 200]);
  });

  it('weight budget: X-MBX-USED-WEIGHT-1M counts, over budget → 429 with Retry-After; errors for bad symbols/limits', async () => {
    const s2 = await startSim({ seed: 1, exchanges: ['binance', 'binance-futures'], restWeightLimit: 120, intervalMs: 50, levels: 30 });
    try {
      const r = s2.endpoints.binance?.rest ?? '';
      // keep the three requests inside one wall-clock minute window
      const left = 60_000 - (Date.now() % 60_000);
      if (left < 3000) await new Promise((res) => setTimeout(res, left + 10));
      const a = await getJson(`${r}/api/v3/depth?symbol=BTCUSDT&limit=1000`);
      const b = await getJson(`${r}/api/v3/depth?symbol=BTCUSDT&limit=1000`);
      const info = await getJson(`${r}/api/v3/exchangeInfo`);
      const c = await getJson(`${r}/api/v3/depth?symbol=BTCUSDT&limit=5`);
      expect([a.status, b.status, info.status, c.status]).toEqual([200, 200, 200, 429]);
      expect([a, b, info].map((x) => x.headers.get('x-mbx-used-weight-1m'))).toEqual(['50', '100', '120']);
      const retry = Number(c.headers.get('retry-after'));
      expect(retry).toBeGreaterThan(0);
      expect(retry).toBeLessThanOrEqual(60);
      const body = info.body as { rateLimits: { rateLimitType: string; limit: number }[]; symbols: Record<string, unknown>[] };
      expect(body.rateLimits[0]).toMatchObject({ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 120 });
      expect(body.symbols[0]).toMatchObject({ symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT' });
      expect(body.symbols[0]?.['filters']).toContainEqual(expect.objectContaining({ filterType: 'PRICE_FILTER', tickSize: '0.01000000' }));

      const f = s2.endpoints['binance-futures']?.rest ?? '';
      expect((await getJson(`${f}/fapi/v1/depth?symbol=NOPEUSDT&limit=5`)).body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
      expect((await getJson(`${f}/fapi/v1/depth?symbol=BTCUSDT&limit=37`)).status).toBe(400);
      const fd = await getJson(`${f}/fapi/v1/depth?symbol=BTCUSDT&limit=5`);
      expect(fd.status).toBe(200);
      expect(fd.headers.get('x-mbx-used-weight-1m')).toBe('2');
      expect((fd.body as { bids: unknown[] }).bids).toHaveLength(5);
    } finally {
      await s2.close();
    }
  });
});
