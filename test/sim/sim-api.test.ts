import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimCommand, startSim, type Simulator } from '../../src/sim/index.js';
import { getJson, WsProbe, type Depth } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim({ seed: 21, intervalMs: 10, pingIntervalMs: 25, tradeIntervalMs: 10, tickerIntervalMs: 40, levels: 40, symbols: ['SOL/USDT'] });
});
afterAll(async () => {
  await sim.close();
});

describe('Simulator API', () => {
  it('runSimCommand starts the simulator and prints the ready-to-paste --endpoint line', async () => {
    const { sim: s, endpointLine } = await runSimCommand({ exchange: 'binance', port: 0, seed: 4 });
    try {
      const m = /^--endpoint binance=(ws:\/\/127\.0\.0\.1:\d+),(http:\/\/127\.0\.0\.1:\d+)$/.exec(endpointLine);
      expect(m).not.toBeNull();
      expect(m?.[1]).toBe(s.endpoints.binance?.ws);
      const info = await getJson(`${m?.[2]}/api/v3/exchangeInfo?symbol=BTCUSDT`);
      expect(info.status).toBe(200);
      expect((await getJson(`${m?.[2]}/api/v3/exchangeInfo?symbol=NOPE`)).body).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    } finally {
      await s.close();
    }
  });

  it('pause freezes the market (no data, same true book) while pings go on; resume continues the chain', async () => {
    const p = await WsProbe.open(`${sim.endpoints.binance?.ws}/ws/solusdt@depth@100ms`);
    try {
      await p.until(() => p.frames.length >= 2, 5000, 'data');
      sim.pause();
      const pings0 = p.pings.length;
      await p.until(() => p.pings.length > pings0, 5000, 'ping after pause'); // data sent before pause has arrived
      const frames0 = p.frames.length;
      const book0 = sim.trueBook('binance', 'SOL/USDT');
      await p.until(() => p.pings.length >= pings0 + 4, 5000, 'pings while paused');
      expect(p.frames.length).toBe(frames0);
      expect(sim.trueBook('binance', 'SOL/USDT')).toEqual(book0);
      const last = JSON.parse(p.frames[frames0 - 1] ?? '{}') as Depth;
      expect(last.u).toBe(book0?.updateId);
      sim.resume();
      await p.until(() => p.frames.length > frames0, 5000, 'data after resume');
      expect((JSON.parse(p.frames[frames0] ?? '{}') as Depth).U).toBe(last.u + 1);
    } finally {
      sim.resume();
      p.close();
    }
  });

  it('24hrTicker agrees with the trades sent before it; trade ids are consecutive', async () => {
    const p = await WsProbe.open(`${sim.endpoints.binance?.ws}/stream?streams=solusdt@trade/solusdt@ticker`);
    try {
      await p.until(() => p.data('solusdt@ticker').length >= 3, 5000, 'tickers');
      let lastTrade: Record<string, unknown> | undefined;
      let checked = 0;
      for (const f of p.json()) {
        const d = f['data'] as Record<string, unknown>;
        if (f['stream'] === 'solusdt@trade') {
          if (lastTrade) expect(d['t']).toBe((lastTrade['t'] as number) + 1);
          expect(d).toMatchObject({ e: 'trade', s: 'SOLUSDT', m: expect.any(Boolean), M: true });
          expect(d['p']).toMatch(/^\d+\.\d{8}$/);
          lastTrade = d;
        } else if (lastTrade) {
          expect(d).toMatchObject({ e: '24hrTicker', s: 'SOLUSDT', L: lastTrade['t'], c: lastTrade['p'], Q: lastTrade['q'] });
          expect(Number(d['b'])).toBeLessThan(Number(d['a']));
          checked++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(1);
    } finally {
      p.close();
    }
  });

  it('futures trueBookAt: an id in the gap between events names the book after the earlier event', async () => {
    const p = await WsProbe.open(`${sim.endpoints['binance-futures']?.ws}/public/ws/solusdt@depth`);
    try {
      await p.until(
        () => p.json().some((d, i, all) => i > 0 && (d['U'] as number) > (all[i - 1]?.['u'] as number) + 1),
        5000,
        'a gap in ids',
      );
      const ds = p.json() as unknown as Depth[];
      const i = ds.findIndex((d, k) => k > 0 && d.U > (ds[k - 1]?.u ?? 0) + 1);
      const before = ds[i - 1] as Depth;
      const after = ds[i] as Depth;
      const atU = sim.trueBookAt('binance-futures', 'SOL/USDT', before.u);
      const inGap = sim.trueBookAt('binance-futures', 'SOL/USDT', after.U - 1);
      expect(atU).toBeDefined();
      expect(inGap?.bids).toEqual(atU?.bids);
      expect(inGap?.asks).toEqual(atU?.asks);
      // and the book at the next event's u is that book with the event applied
      const bids = new Map(atU?.bids);
      const asks = new Map(atU?.asks);
      for (const [px, q] of after.b) (Number(q) === 0 ? bids.delete(px) : bids.set(px, q));
      for (const [px, q] of after.a) (Number(q) === 0 ? asks.delete(px) : asks.set(px, q));
      const next = sim.trueBookAt('binance-futures', 'SOL/USDT', after.u);
      expect(next?.bids).toEqual([...bids].sort((x, y) => Number(y[0]) - Number(x[0])));
      expect(next?.asks).toEqual([...asks].sort((x, y) => Number(x[0]) - Number(y[0])));
    } finally {
      p.close();
    }
  });
});
