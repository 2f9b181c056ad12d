/**
 * JsonBytes writes what `JSON.stringify` gives, byte for byte, or declines: checked on JSON's corner cases and on
 * seeded random values (test/api/events-json-bytes.test.ts: on a hub's real events); and never claims a value that
 * did not fit (every shorter buffer gives NO_ROOM or DECLINED, never an end).
 */
import { describe, expect, it } from 'vitest';
import { DECLINED, JsonBytes, NO_ROOM } from '../../src/sinks/json-bytes.js';
import { mulberry32 } from '../../src/util/prng.js';

/** JsonBytes' result for `v`: its text, or DECLINED. Also checks every shorter buffer is refused. */
function viaBytes(v: unknown): string | typeof DECLINED {
  const buf = Buffer.alloc(1 << 16, 0xee);
  const w = new JsonBytes(buf);
  const end = w.write(v, 3);
  if (end === DECLINED) return DECLINED;
  expect(end).toBeGreaterThanOrEqual(3);
  const text = buf.toString('latin1', 3, end);
  for (let len = 3; len < end; len++) {
    const r = new JsonBytes(Buffer.alloc(len)).write(v, 3);
    expect(r === NO_ROOM || r === DECLINED, `${len} bytes`).toBe(true);
  }
  return text;
}

function sameAsStringify(v: unknown): boolean {
  const got = viaBytes(v);
  if (got === DECLINED) return false;
  expect(got).toBe(JSON.stringify(v));
  return true;
}

/** True when every string JSON.stringify would write for `v` (keys and values) is printable ASCII without `"` or `\`. */
function plain(v: unknown): boolean {
  if (typeof v === 'string') return /^[\x20-\x7e]*$/.test(v) && !/["\\]/.test(v);
  if (Array.isArray(v)) return v.every(plain);
  if (v !== null && typeof v === 'object') return Object.entries(v).every(([k, x]) => x === undefined || (plain(k) && plain(x)));
  return true;
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('JsonBytes', () => {
  it('matches JSON.stringify on the corner cases it takes, and declines what needs JSON.stringify', () => {
    const taken: unknown[] = [
      {},
      [],
      { a: undefined, b: () => 1, c: Symbol('s'), d: 1 }, // members left out
      [undefined, () => 1, Symbol('s'), 2], // null in arrays
      [, 1], // a hole is null
      { n: [0, -0, 1.5, -2.25e-7, 1e21, 123456789012345680000, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity] },
      // integers, written digit by digit: around the halves' boundary (10^8) and up to 2^53
      [9, 10, 99999999, 100000000, 100000001, 199999999, 1796636787536695, 10 ** 15, 10 ** 15 + 7, 2 ** 53 - 2, 2 ** 53 - 1, 2 ** 53, 2 ** 60],
      { t: true, f: false, z: null },
      { b: 1, 2: 'two', 1: 'one', a: 'x' }, // integer keys first, as JSON.stringify orders them
      { [Symbol('k')]: 1, k: 'v' },
      { get g() { return 'got'; } },
      { s: ' !#$%&\'()*+,-./09:;<=>?@AZ[]^_`az{|}~' }, // every printable ASCII but " and \
      [[['deep', [1, [2, [3]]]]]],
      // book levels (pairs of strings, written by their own path) next to arrays that only look like them
      { bids: [['100.5', '1'], ['99', '0']], asks: [] },
      [['a', 'b'], ['a'], ['a', 'b', 'c'], ['a', 1], [1, 'b'], [, 'b'], ['a', undefined], ['', '']],
    ];
    for (const v of taken) expect(sameAsStringify(v), JSON.stringify(v)).toBe(true);
    const declined: unknown[] = [
      'a "quoted" word',
      'back\\slash',
      'tab\there',
      'réseau',
      '😀',
      '\ud800', // a lone surrogate: JSON.stringify escapes it
      { d: new Date(0) },
      { p: new Point(1, 2) },
      new Map([[1, 2]]),
      { toJSON: () => 'x' },
      Object.create(null),
      // a level whose price or size needs escaping or is not ASCII
      { bids: [['1', '2'], ['1"', '2']] },
      [['1', '2\\']],
      [['1', 'é']],
      [['\n', '2']],
      undefined,
      () => 1,
    ];
    for (const v of declined) expect(viaBytes(v), String(JSON.stringify(v))).toBe(DECLINED);
    // deeper than it goes: declined (JSON.stringify decides; a cycle throws there)
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(viaBytes(deep)).toBe(DECLINED);
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    expect(viaBytes(cyc)).toBe(DECLINED);
    expect(() => JSON.stringify(cyc)).toThrow(TypeError);
  });

  it('matches JSON.stringify on seeded random values, or declines them', () => {
    const rand = mulberry32(42);
    const str = (): string => {
      const n = Math.floor(rand() * 12);
      let s = '';
      // mostly printable ASCII, sometimes a quote, a backslash, a control or a non-ASCII character
      for (let i = 0; i < n; i++) s += String.fromCharCode(rand() < 0.97 ? 32 + Math.floor(rand() * 95) : [34, 92, 10, 0, 233, 0xd83d][Math.floor(rand() * 6)]!);
      return s;
    };
    const val = (depth: number): unknown => {
      const r = rand();
      if (depth > 4 || r < 0.3) return str();
      if (r < 0.5) return [0, -0, 1.5, rand() * 1e6, Math.floor(rand() * 2 ** 53), -rand(), NaN, 1e300 * 10][Math.floor(rand() * 8)];
      if (r < 0.55) return [true, false, null, undefined][Math.floor(rand() * 4)];
      if (r < 0.7) return Array.from({ length: Math.floor(rand() * 5) }, () => val(depth + 1));
      if (r < 0.8) return Array.from({ length: Math.floor(rand() * 5) }, () => [str(), str()]); // book levels
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 5); i > 0; i--) o[rand() < 0.2 ? String(Math.floor(rand() * 10)) : str()] = val(depth + 1);
      return o;
    };
    let taken = 0;
    for (let i = 0; i < 3000; i++) {
      const v = val(0);
      const got = viaBytes(v);
      if (got === DECLINED) {
        // declined only for a reason: undefined (JSON.stringify gives no text), or some string written (a key or a
        // value) needs escaping or is not ASCII
        expect(v === undefined || !plain(v), JSON.stringify(v)).toBe(true);
        continue;
      }
      expect(got).toBe(JSON.stringify(v));
      taken++;
    }
    expect(taken).toBeGreaterThan(1500);
  });
});
