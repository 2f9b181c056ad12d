/**
 * The simulator's USD-M `/market` path (docs/protocols/binance.md#derivative-data): `@markPrice@1s` and `@forceOrder`
 * are served on `/market/stream` only — on `/public/stream` they are acknowledged and then silent, as Binance does
 * since its 2026 URL split — and REST `/fapi/v1/openInterest` answers with the published open interest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSim, type Simulator } from '../../src/sim/index.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Frames received on `path` after subscribing `params`, until `n` data frames came or `ms` passed. */
async function collect(url: string, params: string[], n: number, ms: number): Promise<{ acks: number; data: string[] }> {
  const ws = new WebSocket(url);
  const data: string[] = [];
  let acks = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ method: 'SUBSCRIBE', params, id: 1 })));
    ws.on('message', (d: Buffer) => {
      const t = d.toString();
      if (t === '{"result":null,"id":1}') acks++;
      else data.push(t);
      if (data.length >= n) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  ws.terminate();
  return { acks, data };
}

describe('binance-futures simulator: /market vs /public', () => {
  it('mark price on /market; acknowledged and silent on /public; open interest over REST', async () => {
    sim = await startSim({ exchanges: ['binance-futures'], symbols: ['BTC/USDT'], markPriceIntervalMs: 20 });
    const ep = sim.endpoints['binance-futures']!;
    const market = await collect(`${ep.ws}/market/stream`, ['btcusdt@markPrice@1s'], 3, 5000);
    expect(market.acks).toBe(1);
    expect(market.data.length).toBe(3);
    for (const f of market.data) expect(f).toMatch(/^\{"stream":"btcusdt@markPrice@1s","data":\{"e":"markPriceUpdate","E":\d+,"s":"BTCUSDT","p":"/);
    // the same subscription on /public: acked, and nothing in ten mark price periods
    const pub = await collect(`${ep.ws}/public/stream`, ['btcusdt@markPrice@1s', 'btcusdt@forceOrder'], 1, 200);
    expect(pub).toEqual({ acks: 1, data: [] });
    const res = await fetch(`${ep.rest}/fapi/v1/openInterest?symbol=BTCUSDT`);
    const body = (await res.json()) as { openInterest: string; symbol: string; time: number };
    expect(Object.keys(body)).toEqual(['openInterest', 'symbol', 'time']);
    expect(sim.published('binance-futures', 'BTC/USDT').derivatives.map((d) => d.openInterest)).toContain(body.openInterest);
  });
});
