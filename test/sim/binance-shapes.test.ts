import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { getJson, WsProbe } from './helpers.js';

/** Field names and value kinds of a JSON value; with `exact`, decimal strings also record their decimals. */
function shape(v: unknown, exact: boolean): unknown {
  if (Array.isArray(v)) {
    const kinds = [...new Set(v.map((x) => JSON.stringify(shape(x, exact))))];
    return { array: kinds.map((k) => JSON.parse(k) as unknown) };
  }
  if (v === null) return 'null';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, shape(o[k], exact)]));
  }
  if (typeof v === 'string') {
    const m = /^-?\d+(?:\.(\d+))?$/.exec(v);
    if (!m) return 'string';
    return exact ? `decimal.${m[1]?.length ?? 0}` : 'decimal';
  }
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v;
}

interface Fixture {
  frames: Record<string, string>;
}
const load = (name: string): Fixture => JSON.parse(readFileSync(new URL(`../../fixtures/binance/${name}`, import.meta.url), 'utf8')) as Fixture;
const real = (f: Fixture, key: string): unknown => JSON.parse(f.frames[key] ?? 'null');

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim({ seed: 5, intervalMs: 10, tradeIntervalMs: 10, tickerIntervalMs: 20, levels: 40, symbols: ['BTC/USDT'] });
});
afterAll(async () => {
  await sim.close();
});

async function simFrames(exchange: 'binance' | 'binance-futures', streams: string[]): Promise<Map<string, unknown>> {
  const ep = sim.endpoints[exchange];
  const p = await WsProbe.open(`${ep?.ws}${exchange === 'binance-futures' ? '/public' : ''}/stream?streams=${streams.join('/')}`);
  const found = new Map<string, unknown>();
  const full = (f: Record<string, unknown>): boolean => {
    const d = f['data'] as Record<string, unknown>;
    if (String(f['stream']).includes('@depth')) return (d['b'] as unknown[]).length > 0 && (d['a'] as unknown[]).length > 0;
    return true;
  };
  await p.until(
    () => {
      for (const f of p.json()) if (!found.has(String(f['stream'])) && full(f)) found.set(String(f['stream']), f);
      return found.size === streams.length;
    },
    5000,
    'one frame per stream',
  );
  p.close();
  return found;
}

describe('simulator frames have the shapes of real Binance captures', () => {
  it('spot: depthUpdate, bookTicker, trade, REST depth (8-decimal strings), 24hrTicker (doc example)', async () => {
    const fx = load('sim-shape-spot.json');
    const got = await simFrames('binance', ['btcusdt@depth@100ms', 'btcusdt@bookTicker', 'btcusdt@trade', 'btcusdt@ticker']);
    expect(shape(got.get('btcusdt@depth@100ms'), true)).toEqual(shape(real(fx, 'depth'), true));
    expect(shape(got.get('btcusdt@bookTicker'), true)).toEqual(shape(real(fx, 'bookTicker'), true));
    expect(shape(got.get('btcusdt@trade'), true)).toEqual(shape(real(fx, 'trade'), true));
    const ticker = got.get('btcusdt@ticker') as { data: unknown };
    expect(shape(ticker.data, false)).toEqual(shape(real(fx, 'ticker24h'), false));
    const rest = await getJson(`${sim.endpoints.binance?.rest}/api/v3/depth?symbol=BTCUSDT&limit=1000`);
    expect(shape(rest.body, true)).toEqual(shape(real(fx, 'restDepth'), true));
  });

  it('futures: depthUpdate (with T, pu), bookTicker (with e, E, T), REST depth (with E, T)', async () => {
    const fx = load('sim-shape-futures.json');
    const got = await simFrames('binance-futures', ['btcusdt@depth@100ms', 'btcusdt@bookTicker']);
    expect(shape(got.get('btcusdt@depth@100ms'), false)).toEqual(shape(real(fx, 'depth'), false));
    expect(shape(got.get('btcusdt@bookTicker'), false)).toEqual(shape(real(fx, 'bookTicker'), false));
    const rest = await getJson(`${sim.endpoints['binance-futures']?.rest}/fapi/v1/depth?symbol=BTCUSDT&limit=1000`);
    expect(shape(rest.body, false)).toEqual(shape(real(fx, 'restDepth'), false));
    // the comparison does discriminate: spot and futures frames differ
    const spot = load('sim-shape-spot.json');
    expect(shape(real(spot, 'bookTicker'), false)).not.toEqual(shape(real(fx, 'bookTicker'), false));
    expect(shape(real(spot, 'depth'), false)).not.toEqual(shape(real(fx, 'depth'), false));
  });
});
