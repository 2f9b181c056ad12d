/**
 * The simulator's fault control over real HTTP on 127.0.0.1 (`POST /_sim/fault`, `/_sim/clear`, `/_sim/pause`,
 * `/_sim/resume`, `GET /_sim/book`),
 * Retry-After on 429/418 (default and omitted), `max-connection-age`, and chaos mode (in-process and through
 * `tickwire sim --chaos`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { startChaos } from '../../src/sim/chaos.js';
import type { ExchangeId } from '../../src/schema/events.js';
import type { SimFault } from '../../src/sim/types.js';
import { runCli } from '../helpers/cli.js';
import { WsProbe, type Depth } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim({ seed: 5, intervalMs: 10, pingIntervalMs: 1000, levels: 40, symbols: ['BTC/USDT', 'ETH/USDT'], exchanges: ['binance', 'kraken', 'bybit'] });
});
afterAll(async () => {
  await sim.close();
});

const rest = (ex: ExchangeId): string => sim.endpoints[ex]!.rest;

async function post(ex: ExchangeId, path: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${rest(ex)}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

describe('simulator HTTP fault control', () => {
  it('POST /_sim/fault drop-diff makes a gap in exactly that symbol on the wire', async () => {
    const p = await WsProbe.open(`${sim.endpoints.binance!.ws}/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms`);
    try {
      await p.until(() => p.data('btcusdt@depth@100ms').length >= 3, 5000, 'BTC diffs');
      const r = await post('binance', '/_sim/fault', JSON.stringify({ kind: 'drop-diff', symbol: 'BTC/USDT', count: 2 }));
      expect(r).toEqual({ status: 200, json: { ok: true, exchange: 'binance', fault: { kind: 'drop-diff', symbol: 'BTC/USDT', count: 2 } } });
      const n0 = p.data('btcusdt@depth@100ms').length;
      await p.until(() => p.data('btcusdt@depth@100ms').length >= n0 + 5, 5000, 'BTC diffs after the fault');
      const gaps = (s: string): number => {
        const d = p.data(s) as unknown as Depth[];
        return d.slice(1).filter((x, i) => x.U !== d[i]!.u + 1).length;
      };
      expect(gaps('btcusdt@depth@100ms')).toBe(1); // two consecutive diffs dropped → one hole
      expect(gaps('ethusdt@depth@100ms')).toBe(0);
    } finally {
      p.close();
    }
  });

  it('answers 400 with a clear message for a bad body, and changes nothing', async () => {
    const cases: Array<[string, RegExp]> = [
      ['not json', /not valid JSON/],
      ['[1]', /one JSON object/],
      ['{"kind":"nope"}', /unknown fault kind "nope" for kraken; known: drop-diff, .*kraken-bad-checksum/],
      ['{"kind":"garbage-diff"}', /needs a "symbol"/],
      ['{"kind":"garbage-diff","symbol":"DOGE/USDT"}', /unknown symbol "DOGE\/USDT"; the simulator serves BTC\/USDT, ETH\/USDT/],
      ['{"kind":"drop-diff","symbol":"BTC/USDT","count":0}', /"count" must be an integer >= 1/],
      ['{"kind":"rest-slow"}', /needs "delayMs"/],
      ['{"kind":"rest-500","retryAfter":false}', /applies to rest-429 and rest-418 only/],
      ['{"kind":"okx-bad-checksum","symbol":"BTC/USDT"}', /unknown fault kind/], // another exchange's fault
    ];
    for (const [body, msg] of cases) {
      const r = await post('kraken', '/_sim/fault', body);
      expect(r.status, body).toBe(400);
      expect(String(r.json['error']), body).toMatch(msg);
    }
    expect((await fetch(`${rest('kraken')}/_sim/faults`).then((r) => r.json())) as unknown).toEqual({ exchange: 'kraken', faults: [] });
    expect((await fetch(`${rest('kraken')}/_sim/fault`)).status).toBe(405);
    expect((await fetch(`${rest('kraken')}/_sim/nope`)).status).toBe(404);
  });

  it('GET /_sim/book is the true book at the last event sent, cut to depth; at an update id while in history', async () => {
    const r = (await fetch(`${rest('bybit')}/_sim/book?symbol=ETH/USDT&depth=5`).then((x) => x.json())) as { updateId: number; bids: string[][]; asks: string[][] };
    const truth = sim.trueBookAt('bybit', 'ETH/USDT', r.updateId)!;
    expect(r.bids).toEqual(truth.bids.slice(0, 5));
    expect(r.asks).toEqual(truth.asks.slice(0, 5));
    expect(r.bids).toHaveLength(5);
    expect(Number(r.bids[0]![0])).toBeLessThan(Number(r.asks[0]![0]));
    const at = (await fetch(`${rest('bybit')}/_sim/book?symbol=ETH/USDT&updateId=${r.updateId}&depth=5`).then((x) => x.json())) as Record<string, unknown>;
    expect(at).toEqual({ symbol: 'ETH/USDT', ...r });
    expect((await fetch(`${rest('bybit')}/_sim/book?symbol=NOPE`)).status).toBe(400);
    expect((await fetch(`${rest('bybit')}/_sim/book?symbol=ETH/USDT&depth=x`)).status).toBe(400);
  });

  it('POST /_sim/pause stops that exchange\'s market (the true book and the wire stand still) until POST /_sim/resume', async () => {
    const book = async (): Promise<{ updateId: number }> => (await fetch(`${rest('kraken')}/_sim/book?symbol=BTC/USDT&depth=3`).then((x) => x.json())) as { updateId: number };
    expect(await post('kraken', '/_sim/pause', '')).toEqual({ status: 200, json: { ok: true, exchange: 'kraken', paused: true } });
    const a = await book();
    const bybitA = (await fetch(`${rest('bybit')}/_sim/book?symbol=BTC/USDT`).then((x) => x.json())) as { updateId: number };
    await new Promise((r) => setTimeout(r, 150)); // 15 data ticks of the simulator (10 ms): there is no event to await while paused
    expect((await book()).updateId).toBe(a.updateId);
    // only that exchange: bybit moved on
    expect(((await fetch(`${rest('bybit')}/_sim/book?symbol=BTC/USDT`).then((x) => x.json())) as { updateId: number }).updateId).toBeGreaterThan(bybitA.updateId);
    expect(await post('kraken', '/_sim/resume', '')).toEqual({ status: 200, json: { ok: true, exchange: 'kraken', paused: false } });
    const t0 = Date.now();
    while ((await book()).updateId === a.updateId && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
    expect((await book()).updateId).toBeGreaterThan(a.updateId);
    expect((await fetch(`${rest('kraken')}/_sim/pause`)).status).toBe(405);
  });

  it('silence via HTTP holds until POST /_sim/clear; control paths ignore REST faults', async () => {
    const p = await WsProbe.open(`${sim.endpoints.binance!.ws}/ws/ethusdt@depth@100ms`);
    try {
      await p.until(() => p.frames.length >= 2, 5000, 'data');
      await post('binance', '/_sim/fault', '{"kind":"rest-500","count":5}');
      expect((await post('binance', '/_sim/fault', '{"kind":"silence","symbol":"ETH/USDT"}')).status).toBe(200);
      const book0 = (await fetch(`${rest('binance')}/_sim/book?symbol=ETH/USDT&depth=1`).then((x) => x.json())) as { updateId: number };
      const pings = p.pings.length;
      const f0 = p.frames.length;
      await p.until(() => p.pings.length >= pings + 2, 5000, 'pings while silent'); // pings go on, data does not
      expect(p.frames.length).toBeLessThanOrEqual(f0 + 1); // at most one frame already in flight
      const cleared = await post('binance', '/_sim/clear', '');
      expect(cleared.json).toEqual({ ok: true, exchange: 'binance', cleared: 2 });
      await p.until(() => p.frames.length >= f0 + 3, 5000, 'data after clear');
      const book1 = (await fetch(`${rest('binance')}/_sim/book?symbol=ETH/USDT&depth=1`).then((x) => x.json())) as { updateId: number };
      expect(book1.updateId).toBeGreaterThan(book0.updateId);
    } finally {
      sim.clearFaults();
      p.close();
    }
  });

  it('429/418 send Retry-After by default and omit it on request', async () => {
    for (const ex of ['binance', 'kraken', 'bybit'] as const) {
      const depthPath = { binance: '/api/v3/depth?symbol=BTCUSDT&limit=5', kraken: '/0/public/AssetPairs', bybit: '/v5/market/instruments-info?category=spot' }[ex];
      await post(ex, '/_sim/fault', '{"kind":"rest-429","retryAfterSec":3}');
      const a = await fetch(`${rest(ex)}${depthPath}`);
      expect([429, 403, 418], ex).toContain(a.status);
      expect(a.headers.get('retry-after'), ex).toBe('3');
      await post(ex, '/_sim/fault', '{"kind":"rest-418","retryAfter":false}');
      const b = await fetch(`${rest(ex)}${depthPath}`);
      expect([429, 403, 418], ex).toContain(b.status);
      expect(b.headers.get('retry-after'), ex).toBeNull();
      expect((await fetch(`${rest(ex)}${depthPath}`)).status, ex).toBe(200); // one-shot
    }
  });

  it('max-connection-age closes every connection once it is N seconds old, new ones too, until cleared', async () => {
    expect((await post('kraken', '/_sim/fault', '{"kind":"max-connection-age","seconds":0.3}')).status).toBe(200);
    try {
      const a = await WsProbe.open(sim.endpoints.kraken!.ws + '/v2');
      const t0 = Date.now();
      await a.until(() => a.closed !== undefined, 5000, 'close at max age');
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(a.closed).toEqual({ code: 1001, reason: 'sim: max connection age reached' });
      await post('kraken', '/_sim/clear', '');
      const b = await WsProbe.open(sim.endpoints.kraken!.ws + '/v2');
      b.send({ method: 'ping', req_id: 1 });
      await b.until(() => b.frames.some((f) => f.includes('pong')), 5000, 'pong');
      expect(b.closed).toBeUndefined();
      b.close();
    } finally {
      sim.clearFaults();
    }
  });
});

describe('chaos mode', () => {
  function record(seed: number, n: number): Promise<Array<[ExchangeId, SimFault]>> {
    const got: Array<[ExchangeId, SimFault]> = [];
    const removed: SimFault[] = [];
    return new Promise((resolve) => {
      const chaos = startChaos(
        { exchanges: ['binance', 'okx', 'kraken'], symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], fault: (ex, f) => got.push([ex, f]), removeFault: (_e, f) => removed.push(f) },
        {
          seconds: 0.005,
          seed,
          holdMs: 60_000,
          onFault: (_e, _f, i) => {
            if (i < n) return;
            chaos.stop();
            // stop() removes every lasting fault still held
            expect(removed.sort()).toEqual(got.map(([, f]) => f).filter((f) => f.kind === 'silence' || f.kind === 'stop-all').sort());
            setImmediate(() => resolve(got));
          },
        },
      );
    });
  }

  it('is deterministic per seed and draws from the applicable set of each exchange', async () => {
    const a = await record(11, 60);
    const b = await record(11, 60);
    const c = await record(12, 60);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const kinds = new Set(a.map(([, f]) => f.kind));
    expect(kinds.size).toBeGreaterThan(8);
    for (const [ex, f] of a) {
      if (f.kind.startsWith('okx-')) expect(ex).toBe('okx');
      if (f.kind.startsWith('kraken-')) expect(ex).toBe('kraken');
    }
  });

  it('tickwire sim --chaos injects faults into the running simulator and logs each on stderr', async () => {
    const r = runCli(['sim', '--exchange', 'binance', '--exchange', 'okx', '--chaos', '0.05', '--seed', '3', '--symbols', 'BTC/USDT,ETH/USDT']);
    try {
      const lines = await r.lines(2);
      expect(lines[0]).toMatch(/^--endpoint binance=ws:\/\/127\.0\.0\.1:\d+,http:\/\/127\.0\.0\.1:\d+$/);
      const enough = (): boolean => (r.stderr().match(/"chaos":/g) ?? []).length >= 5;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`few chaos lines: ${r.stderr().slice(-500)}`)), 10_000);
        const check = (): void => {
          if (!enough()) return;
          clearTimeout(t);
          r.child.stderr.off('data', check);
          resolve();
        };
        r.child.stderr.on('data', check);
        check();
      });
      const logged = r.stderr().split('\n').filter((l) => l.includes('"chaos":')).map((l) => JSON.parse(l) as { exchange: string; fault: { kind: string } });
      expect(logged.length).toBeGreaterThanOrEqual(5);
      for (const l of logged) expect(['binance', 'okx']).toContain(l.exchange);
    } finally {
      r.child.kill('SIGINT');
      expect((await r.exit).code).toBe(0);
    }
  });
});
