/**
 * The depthUpdate scanner (src/exchanges/binance/scan.ts) against the zod oracle (parseWithSchemas): on every frame of the real
 * captures, on simulator-rendered spot and futures frames, and on seeded mutations of them. Whenever the scanner
 * answers, its message must equal the schemas' message; when it does not, the JSON.parse path decides.
 */
import { describe, expect, it } from 'vitest';
import { DepthScanner } from '../../src/exchanges/binance/scan.js';
import { parseWithSchemas } from '../../src/exchanges/binance/wire.js';
import { parseBinanceFrame as parseFrame } from '../../src/exchanges/binance/parse.js';
import * as R from '../../src/sim/binance-render.js';
import { readCryptofeed, readHftbacktest } from './binance-replay.js';
import type { Level } from '../../src/schema/events.js';
import { mulberry32 as rng } from '../../src/util/prng.js';
import { codesFor } from '../../src/book/level-codes.js';
import { CODE_BITS, DecimalScratch, encodeDecimal } from '../../src/book/decimal-code.js';
import type { WireMessage } from '../../src/exchanges/types.js';

const scanner = new DepthScanner();
/** The scanner's message as it comes (with its `codes`, valid until the next frame is scanned). */
const scanRaw = (f: string, bytes?: Uint8Array): WireMessage | undefined => scanner.scan(f, bytes);
/** The message without its numeric form: what the JSON.parse and zod paths return. */
function plain(m: WireMessage | undefined): WireMessage | undefined {
  if (m?.kind !== 'book') return m;
  const { codes: _c, codesFrame: _f, ...rest } = m;
  return rest;
}
const scanDepthUpdate = (f: string, bytes?: Uint8Array): WireMessage | undefined => plain(scanRaw(f, bytes));
const parseBinanceFrame = (f: string, bytes?: Uint8Array): WireMessage[] => parseFrame(new DepthScanner(), f, bytes).map((m) => plain(m)!);
const dec = new DecimalScratch();

/** The numeric form the scanner left for `m` equals what the book would read from each string. */
function expectCodesOf(m: Extract<WireMessage, { kind: 'book' }>): void {
  const codes = codesFor(m);
  expect(codes).toBeDefined();
  const levels = [...m.bids, ...m.asks];
  for (let j = 0; j < levels.length; j++) {
    const [p, q] = levels[j]!;
    const pc = encodeDecimal(p, dec);
    const pm = dec.scanned[0];
    const qc = encodeDecimal(q, dec);
    const qm = dec.scanned[0];
    if (pc < 0 || qc < 0) {
      expect(codes![3 * j + 2], `${p} ${q}`).toBe(-1);
      continue;
    }
    expect([codes![3 * j], codes![3 * j + 1], codes![3 * j + 2]], `${p} ${q}`).toEqual([pm, qm, (pc << CODE_BITS) | qc]);
  }
}


function simFrames(seed: number, n: number): string[] {
  const r = rng(seed);
  const lv = (): Level[] =>
    Array.from({ length: Math.floor(r() * 12) }, () => [
      (20000 + Math.floor(r() * 100000) / 100).toFixed(r() < 0.5 ? 2 : 8),
      r() < 0.3 ? '0.00000000' : (r() * 10).toFixed(Math.floor(r() * 8) + 1),
    ]);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const futures = r() < 0.5;
    const u = 1_000_000 + i * 20;
    const data = R.depthUpdate({ E: 1_700_000_000_000 + i, T: 1_700_000_000_000 + i - 2, s: 'BTCUSDT', U: u - 5, u, pu: u - 6, bids: lv(), asks: lv() }, futures);
    out.push(R.combined('btcusdt@depth@100ms', data));
  }
  return out;
}

const norm = (v: unknown): unknown =>
  Array.isArray(v) ? v.map((m: { kind: string }) => (m.kind === 'malformed' || m.kind === 'unknown' ? { kind: m.kind } : m)) : v;

describe('scanDepthUpdate', () => {
  it('equals the zod schemas on every real captured frame it answers, and answers every combined depthUpdate', () => {
    const frames = [
      ...readHftbacktest('ethusdt_20240808.gz', 'ETHUSDT'),
      ...readCryptofeed('BINANCE.ws.1.0', 'BINANCE.http.0.0'),
      ...readCryptofeed('BINANCE_FUTURES.ws.1.0', 'BINANCE_FUTURES.http.0.0'),
    ].filter((r) => r.kind === 'frame');
    let scanned = 0;
    let depth = 0;
    for (const r of frames) {
      const m = scanDepthUpdate(r.text);
      if (r.text.startsWith('{"stream":') && r.text.includes('"e":"depthUpdate"')) depth++;
      if (m === undefined) continue;
      scanned++;
      expect([m]).toEqual(parseWithSchemas(r.text));
    }
    expect(depth).toBeGreaterThan(100);
    expect(scanned).toBe(depth);
  });

  it('equals the zod schemas on simulator spot and futures frames', () => {
    for (const f of simFrames(1, 500)) {
      const m = scanDepthUpdate(f);
      expect(m).toBeDefined();
      expect([m]).toEqual(parseWithSchemas(f));
    }
  });

  it('leaves the numeric form of exactly the levels it returned, for that message only', () => {
    const frames = [
      ...readCryptofeed('BINANCE.ws.1.0', 'BINANCE.http.0.0').filter((r) => r.kind === 'frame').map((r) => r.text),
      ...simFrames(3, 300),
    ];
    let checked = 0;
    let previous: Extract<WireMessage, { kind: 'book' }> | undefined;
    const other = new DepthScanner();
    for (const f of frames) {
      const m = scanRaw(f);
      if (m === undefined || m.kind !== 'book') continue;
      expectCodesOf(m);
      if (previous) expect(codesFor(previous)).toBeUndefined(); // the area moved on
      // another scanner (another runtime's parser) shares nothing with this one: m's codes stay m's
      expect(other.scan(f)).toBeDefined();
      expectCodesOf(m);
      previous = m;
      checked++;
    }
    expect(checked).toBeGreaterThan(400);
    // levels that do not fit the numbers (16 digits, a superfluous zero) are marked, the others still coded
    const odd = '{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":2,"u":3,"b":[["1.5","2"],["1234567890.123456","1"]],"a":[["05","1"],["7","0.00000000"]]}}';
    const m = scanRaw(odd) as Extract<WireMessage, { kind: 'book' }>;
    expect(m).toMatchObject({ bids: [['1.5', '2'], ['1234567890.123456', '1']], asks: [['05', '1'], ['7', '0.00000000']] });
    expectCodesOf(m);
    expect(codesFor(m)![5]).toBe(-1);
    // asks before bids: no numeric form (it is laid out bids first), the message is still answered
    const swapped = '{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":2,"u":3,"a":[["7","1"]],"b":[["1.5","2"]]}}';
    const w = scanRaw(swapped) as Extract<WireMessage, { kind: 'book' }>;
    expect(w).toMatchObject({ bids: [['1.5', '2']], asks: [['7', '1']] });
    expect(codesFor(w)).toBeUndefined();
  });

  it('on mutated frames either declines or equals the schemas; the parser result never changes', () => {
    const r = rng(99);
    const alphabet = ' ,"[]{}:0123456789.-eE\\upsTab';
    let answered = 0;
    let declined = 0;
    for (const base of simFrames(2, 300)) {
      for (let k = 0; k < 20; k++) {
        const i = Math.floor(r() * base.length);
        const c = alphabet[Math.floor(r() * alphabet.length)]!;
        const op = r();
        const f =
          op < 0.3 ? base.slice(0, i) + base.slice(i + 1) : op < 0.6 ? base.slice(0, i) + c + base.slice(i) : op < 0.9 ? base.slice(0, i) + c + base.slice(i + 1) : base.slice(0, i);
        const m = scanDepthUpdate(f);
        let oracle: unknown;
        try {
          oracle = parseWithSchemas(f);
        } catch {
          oracle = 'throws';
        }
        if (m !== undefined) {
          answered++;
          expect([m]).toEqual(oracle);
        } else declined++;
        let hot: unknown;
        try {
          hot = parseBinanceFrame(f);
        } catch {
          hot = 'throws';
        }
        // (the JSON.parse path words its malformed/unknown reasons differently from zod: compare the kinds there)
        expect(norm(hot)).toEqual(norm(oracle));
      }
    }
    expect(answered).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(1000);
  });

  it('reads the bytes it is given (a view inside a larger buffer, as ws hands frames over); declines frames that are not ASCII', () => {
    for (const f of simFrames(4, 200)) {
      const pad = Buffer.from('}}]]""9.5');
      const inside = Buffer.concat([pad, Buffer.from(f), pad]).subarray(pad.length, pad.length + f.length);
      const m = scanDepthUpdate(f, inside);
      expect(m).toBeDefined();
      expect([m]).toEqual(parseWithSchemas(f));
    }
    const ok = '{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":2,"u":3,"b":[["1.5","2"]],"a":[["7","1"]]}}';
    // non-ASCII text shifts byte positions against character positions: the scanner declines, JSON.parse answers
    for (const f of [ok.replace('"s":"X"', '"s":"XÉ"'), ok.replace('x@depth', 'x€@depth'), ok.replace('"s":"X"', '"s":"X😀"')]) {
      expect(scanDepthUpdate(f)).toBeUndefined();
      expect(scanDepthUpdate(f, Buffer.from(f))).toBeUndefined();
      const hot = parseBinanceFrame(f, Buffer.from(f));
      expect(hot).toEqual(parseWithSchemas(f));
      expect(hot[0]).toMatchObject({ kind: 'book', bids: [['1.5', '2']], asks: [['7', '1']] });
    }
  });

  it('declines repeated keys, whitespace, escapes, unsafe integers and trailing bytes', () => {
    const ok = '{"stream":"x@depth","data":{"e":"depthUpdate","E":1,"s":"X","U":2,"u":3,"b":[["1.5","2"]],"a":[]}}';
    expect(scanDepthUpdate(ok)).toMatchObject({ kind: 'book', market: 'X', updateId: 3, firstUpdateId: 2, bids: [['1.5', '2']], asks: [] });
    for (const bad of [
      ok.replace('"u":3', '"u":3,"u":4'),
      ok.replace('"E":1,', '"E": 1,'),
      ok.replace('"s":"X"', '"s":"\\u0058"'),
      ok.replace('"U":2', '"U":99999999999999999'),
      ok.replace('"U":2', '"U":02'),
      ok.replace('"U":2', '"U":2.0'),
      ok + ' ',
      ok.replace('["1.5","2"]', '["1.5","2","x"]'),
      ok.replace('"1.5"', '"1."'),
      ok.replace(',"a":[]', ''),
    ]) {
      expect(scanDepthUpdate(bad)).toBeUndefined();
    }
  });
});
