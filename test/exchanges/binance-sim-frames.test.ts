/**
 * The simulator's Binance frames parse with the same zod wire schemas as the real captures, and the hot-path
 * parser agrees with those schemas on every one of them (the simulator renders frames with its own code).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseWithSchemas } from '../../src/exchanges/binance/wire.js';
import { parseBinanceFrame } from '../../src/exchanges/binance/parse.js';
import { parseDepthSnapshot, parseExchangeInfo } from '../../src/exchanges/binance/common.js';
import { startSim, type Simulator } from '../../src/sim/index.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim({ exchanges: ['binance', 'binance-futures'], seed: 11, intervalMs: 5, tradeIntervalMs: 10, tickerIntervalMs: 50 });
});
afterAll(async () => {
  await sim.close();
});

async function frames(exchange: 'binance' | 'binance-futures', path: string, min: Record<string, number>): Promise<string[]> {
  const ws = new WebSocket(`${sim.endpoints[exchange]!.ws}${path}`);
  const out: string[] = [];
  const kinds = (): Record<string, number> => {
    const c: Record<string, number> = {};
    for (const f of out) for (const m of parseWithSchemas(f)) c[m.kind] = (c[m.kind] ?? 0) + 1;
    return c;
  };
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not enough frames: ${JSON.stringify(kinds())}`)), 8_000);
    ws.on('message', (d: Buffer) => {
      out.push(d.toString());
      if (out.length % 20 === 0) {
        const k = kinds();
        if (Object.entries(min).every(([kind, n]) => (k[kind] ?? 0) >= n)) {
          clearTimeout(t);
          resolve();
        }
      }
    });
    ws.once('open', () =>
      ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@depth@100ms', 'btcusdt@bookTicker', 'btcusdt@ticker', 'btcusdt@trade'], id: 1 })),
    );
    ws.once('error', reject);
  });
  ws.terminate();
  return out;
}

describe.each([
  ['binance', '/stream'],
  ['binance-futures', '/public/stream'],
] as const)('%s simulator frames', (exchange, path) => {
  it('every frame is known to the wire schemas, and the hot parser returns exactly what they return', async () => {
    const fs = await frames(exchange, path, { book: 50, ticker: 20, trade: 10 });
    for (const f of fs) {
      const oracle = parseWithSchemas(f);
      expect(oracle.every((m) => m.kind !== 'unknown' && m.kind !== 'malformed'), f).toBe(true);
      expect(parseBinanceFrame(f)).toEqual(oracle);
    }
  });

  it('REST depth and exchangeInfo bodies parse with the adapter', async () => {
    const rest = sim.endpoints[exchange]!.rest;
    const depthPath = exchange === 'binance' ? '/api/v3/depth?symbol=BTCUSDT&limit=1000' : '/fapi/v1/depth?symbol=BTCUSDT&limit=1000';
    const snap = parseDepthSnapshot(await (await fetch(rest + depthPath)).text());
    expect(snap.bids.length).toBeGreaterThan(100);
    expect(snap.updateId).toBeGreaterThan(0);
    const infoPath = exchange === 'binance' ? '/api/v3/exchangeInfo' : '/fapi/v1/exchangeInfo';
    const instruments = parseExchangeInfo(await (await fetch(rest + infoPath)).text(), { unifiedSymbol: (b: string, q: string) => `${b}/${q}` });
    expect(instruments.map((i) => i.symbol)).toContain('BTC/USDT');
  });
});
