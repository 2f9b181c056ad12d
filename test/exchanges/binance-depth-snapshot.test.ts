/**
 * parseDepthSnapshot's in-place check (isRestDepth) against the zod oracle (RestDepth): on every REST depth body of
 * the real captures (spot and futures), on a body rendered with the simulator's level renderer, and on seeded
 * mutations of them. The check must accept exactly what RestDepth accepts, and the snapshot must be the one
 * RestDepth's output gives.
 */
import { describe, expect, it } from 'vitest';
import { isRestDepth, parseDepthSnapshot } from '../../src/exchanges/binance/common.js';
import { RestDepth } from '../../src/exchanges/binance/wire.js';
import { levelsJson } from '../../src/sim/binance-render.js';
import { mulberry32 as rng } from '../../src/util/prng.js';
import { readCryptofeed, readHftbacktest } from './binance-replay.js';
import type { RestSnapshot } from '../../src/exchanges/types.js';

const realBodies = [
  ...readCryptofeed('BINANCE.ws.1.0', 'BINANCE.http.0.0'),
  ...readCryptofeed('BINANCE_FUTURES.ws.1.0', 'BINANCE_FUTURES.http.0.0'),
  ...readHftbacktest('ethusdt_20240808.gz', 'ETHUSDT'),
]
  .filter((r) => r.kind === 'rest' && r.text.startsWith('{"lastUpdateId"'))
  .map((r) => r.text);

const simBody = `{"lastUpdateId":1027024,"bids":${levelsJson([['4.00000000', '431.00000000'], ['3.99000000', '0.5']])},"asks":${levelsJson([['4.00000200', '12.00000000']])}}`;

/** What the zod path made of a body before the in-place check existed. */
function viaZod(body: string): RestSnapshot {
  const d = RestDepth.parse(JSON.parse(body));
  const snap: RestSnapshot = { updateId: d.lastUpdateId, bids: d.bids, asks: d.asks };
  if (d.E !== undefined) snap.exchangeTime = d.E * 1000;
  return snap;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('parseDepthSnapshot', () => {
  it('gives what the zod schema gives on every real captured REST depth body and on a simulator body', () => {
    expect(realBodies.length).toBeGreaterThan(5);
    expect(realBodies.some((b) => b.includes('"E":'))).toBe(true); // futures bodies (E, T) are among them
    for (const body of [...realBodies, simBody]) {
      expect(isRestDepth(JSON.parse(body))).toBe(true);
      expect(parseDepthSnapshot(body)).toEqual(viaZod(body));
    }
  });

  it('accepts exactly what the zod schema accepts, on hand-made and seeded mutations', () => {
    const base = JSON.parse(realBodies[0]!) as Record<string, unknown[]>;
    base.bids = base.bids!.slice(0, 20); // a real body's first levels: the mutations are what is checked
    base.asks = base.asks!.slice(0, 20);
    const mutations: Array<(o: Record<string, unknown>) => unknown> = [
      (o) => ((o.lastUpdateId = String(o.lastUpdateId)), o),
      (o) => ((o.lastUpdateId = 1.5), o),
      (o) => ((o.lastUpdateId = 2 ** 53), o),
      (o) => ((o.lastUpdateId = -1), o),
      (o) => (delete o.lastUpdateId, o),
      (o) => ((o.E = 1.5), o),
      (o) => ((o.E = '1'), o),
      (o) => ((o.T = null), o),
      (o) => ((o.extra = [1, 2]), o),
      (o) => (delete o.bids, o),
      (o) => ((o.asks = {}), o),
      (o) => ((o.asks = []), o),
      (o) => ((o.bids as unknown[]).push(['1', '2', '3']), o),
      (o) => ((o.bids as unknown[]).push(['1']), o),
      (o) => ((o.bids as unknown[]).push([1, 2]), o),
      (o) => ((o.bids as unknown[]).push(null), o),
      (o) => ((o.asks as unknown[]).push('1,2'), o),
      (o) => ((o.asks as unknown[]).push({ 0: '1', 1: '2' }), o),
      () => [],
      () => null,
      () => 7,
    ];
    for (const spelling of ['1e5', '-1', '', '1.', '.5', ' 1', '1 ', '0x10', '1.2.3', '١', '01.5', '0.00000000', '123']) {
      mutations.push((o) => ((o.bids as unknown[]).unshift([spelling, '1']), o));
      mutations.push((o) => ((o.asks as unknown[]).push(['1', spelling]), o));
    }
    const r = rng(6);
    const alphabet = '0123456789.-e +';
    for (let i = 0; i < 400; i++) {
      mutations.push((o) => {
        const side = (r() < 0.5 ? o.bids : o.asks) as string[][];
        const level = side[Math.floor(r() * side.length)]!;
        level[r() < 0.5 ? 0 : 1] = Array.from({ length: Math.floor(r() * 6) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
        return o;
      });
    }
    let accepted = 0;
    for (const mutate of mutations) {
      const v = mutate(clone(base));
      const oracle = RestDepth.safeParse(v).success;
      expect(isRestDepth(v), JSON.stringify(v).slice(0, 120)).toBe(oracle);
      const body = JSON.stringify(v);
      if (oracle) {
        accepted++;
        expect(parseDepthSnapshot(body)).toEqual(viaZod(body));
      } else {
        expect(() => parseDepthSnapshot(body)).toThrow(/malformed depth snapshot/);
      }
    }
    expect(accepted).toBeGreaterThan(20); // the seeded strings also produce valid decimals
  });

  it('still reports a Binance error body as an exchange error', () => {
    expect(() => parseDepthSnapshot('{"code":-1121,"msg":"Invalid symbol."}')).toThrow(/Binance error -1121: Invalid symbol/);
  });
});
