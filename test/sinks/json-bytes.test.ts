/**
 * JsonBytes writes what `JSON.stringify` gives, byte for byte, or declines: checked on JSON's corner cases and on
 * seeded random values (test/api/events-json-bytes.test.ts: on a hub's real events); and never claims a value that
 * did not fit (every shorter buffer gives NO_ROOM or DECLINED, never an end). One writer is also reused across many
 * values, as the NDJSON sink uses it: the member names and values it remembers from earlier objects
 * (src/sinks/member-heads.ts) must never show in a later one.
 */
import { describe, expect, it } from 'vitest';
import { DECLINED, JsonBytes, NO_ROOM } from '../../src/sinks/json-bytes.js';
import { MAX_HEADS, VALUE_MISSES } from '../../src/sinks/member-heads.js';
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

/** Event-like objects: every event type's members, optional ones present or not, sometimes in another order. */
function eventMaker(rand: () => number): () => Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  /** Mostly a few recurring values (what the remembered values are for), sometimes one that needs escaping. */
  const text = (pool: readonly string[]): string =>
    rand() < 0.9 ? pick(pool) : pick(['a "quoted" one', 'back\\slash', 'tab\there', 'réseau', '😀', '', `v${Math.floor(rand() * 1e6)}`]);
  const dec = (): string => (rand() < 0.2 ? '0' : `${Math.floor(rand() * 1e5)}.${Math.floor(rand() * 1e8)}`);
  const levels = (): string[][] => Array.from({ length: Math.floor(rand() * 6) }, () => [dec(), dec()]);
  const int = (): number => pick([0, 7, 1796669117722506, Math.floor(rand() * 2 ** 53), Math.floor(rand() * 1e9)]);
  const g = {
    exchange: () => text(['binance', 'okx', 'kraken']),
    symbol: () => text(['BTC/USDT', 'ETH/USDT', 'SOL/USDT']),
    market: () => text(['BTCUSDT', 'ETHUSDT', 'BTC-USDT-SWAP']),
    localTime: int,
    exchangeTime: int,
    seq: int,
    epoch: () => text(['hov6ebve0d']),
    integrity: () => text(['chained', 'checksum', 'none']),
    integrityDepth: () => pick([10, 25, undefined]), // an undefined member is left out, as JSON.stringify does
    updateId: int,
    firstUpdateId: int,
    prevUpdateId: int,
    bids: levels,
    asks: levels,
    dec,
    side: () => text(['buy', 'sell']),
    tradeId: () => String(Math.floor(rand() * 1e9)),
    details: () => (rand() < 0.5 ? { attempt: int(), why: text(['closed', 'stale']) } : { [text(['k', 'x'])]: [1, 'a', null, true] }),
    reason: () => text(['waiting for a book snapshot', 'live', 'could not load: "undefined" is not valid JSON']),
  };
  type Member = [name: string, make: () => unknown, optional?: boolean];
  const base: Member[] = [['exchange', g.exchange], ['symbol', g.symbol], ['market', g.market], ['exchangeTime', g.exchangeTime, true], ['localTime', g.localTime]];
  const decs = (names: string[], optional = true): Member[] => names.map((n) => [n, g.dec, optional]);
  const shapes: Record<string, Member[]> = {
    ticker: [...base, ...decs(['bidPrice', 'bidSize', 'askPrice', 'askSize', 'last', 'lastSize', 'volume24h']), ['updateId', g.updateId, true]],
    book_delta: [...base, ['integrity', g.integrity], ['bids', g.bids], ['asks', g.asks], ['integrityDepth', g.integrityDepth, true], ['updateId', g.updateId, true], ['firstUpdateId', g.firstUpdateId, true], ['prevUpdateId', g.prevUpdateId, true]],
    book_snapshot: [...base, ['integrity', g.integrity], ['bids', g.bids], ['asks', g.asks], ['updateId', g.updateId, true], ['contractValue', g.dec, true], ['sizeUnit', () => 'USD', true]],
    trade: [...base, ['tradeId', g.tradeId], ['price', g.dec], ['size', g.dec], ['side', g.side], ['sizeUnit', () => 'USD', true]],
    status: [['scope', () => text(['stream', 'connection'])], ['exchange', g.exchange], ['symbol', g.symbol, true], ['state', () => text(['live', 'syncing'])], ['code', () => 'TW_OK'], ['reason', g.reason], ['details', g.details, true], ['localTime', g.localTime]],
  };
  const types = Object.keys(shapes);
  return () => {
    const type = pick(types);
    const members = shapes[type]!.filter(([, , optional]) => !optional || rand() < 0.6);
    if (rand() < 0.15) members.sort(() => rand() - 0.5); // built in another order
    const e: Record<string, unknown> = { type: rand() < 0.02 ? 'ünknown' : type };
    for (const [name, make] of members) e[name] = make();
    e.seq = g.seq();
    e.epoch = g.epoch();
    return e;
  };
}

describe('JsonBytes reused (as the NDJSON sink does)', () => {
  /** One buffer for every write, as the sink's chunk: what a writer remembers must be its own copy. */
  const big = Buffer.alloc(1 << 16);

  /** `w`'s text for `v`, or DECLINED; every shorter buffer (the same writer, its memory kept) gives NO_ROOM or DECLINED. */
  function reused(w: JsonBytes, v: unknown, checkShorter: boolean): string | typeof DECLINED {
    big.fill(0xee);
    w.buf = big;
    const end = w.write(v, 3);
    if (end === DECLINED) return DECLINED;
    const text = big.toString('latin1', 3, end);
    if (checkShorter) {
      for (let len = 3; len < end; len++) {
        w.buf = Buffer.alloc(len);
        const r = w.write(v, 3);
        expect(r === NO_ROOM || r === DECLINED, `${len} bytes`).toBe(true);
      }
    }
    return text;
  }

  it('writes seeded random events of every type exactly as JSON.stringify, whatever it wrote before', () => {
    const rand = mulberry32(7);
    const next = eventMaker(rand);
    const w = new JsonBytes(Buffer.alloc(0));
    let taken = 0;
    for (let i = 0; i < 6000; i++) {
      const e = next();
      const got = reused(w, e, i % 50 === 0);
      if (got === DECLINED) {
        expect(plain(e), JSON.stringify(e)).toBe(false);
        continue;
      }
      expect(got).toBe(JSON.stringify(e));
      taken++;
    }
    expect(taken).toBeGreaterThan(2000);
  });

  it('writes a member whose value changes from the one it remembered, also after VALUE_MISSES others in a row', () => {
    const w = new JsonBytes(Buffer.alloc(0));
    const symbols = Array.from({ length: VALUE_MISSES + 3 }, (_, i) => `S${i}/USDT`);
    // one value many times, then a round robin of others, then the first again, then alternating
    const order = [...Array<string>(5).fill(symbols[0]!), ...symbols, ...symbols, symbols[0]!, symbols[1]!, symbols[0]!, symbols[1]!];
    for (const symbol of order) {
      const e = { type: 'book_delta', exchange: 'binance', symbol, localTime: 1 };
      expect(reused(w, e, false)).toBe(JSON.stringify(e));
      // the same member name after another one, or first: its own bytes (brace, comma) each time
      const f = { symbol, type: 'trade' };
      expect(reused(w, f, false)).toBe(JSON.stringify(f));
    }
  });

  it('writes objects with more distinct member names than it remembers (MAX_HEADS), and names that need escaping', () => {
    const w = new JsonBytes(Buffer.alloc(0));
    for (let i = 0; i < MAX_HEADS / 4 + 10; i++) {
      const o: Record<string, unknown> = {};
      for (let j = 0; j < 5; j++) o[`k${i}_${j}`] = j % 2 ? `v${i}` : i;
      expect(reused(w, o, false)).toBe(JSON.stringify(o));
    }
    // past the bound: names are written one by one, before and after names it knows
    const later = { type: 'trade', fresh1: 'a', exchange: 'binance', fresh2: 2, k0_0: 'x' };
    expect(reused(w, later, true)).toBe(JSON.stringify(later));
    expect(reused(w, { first: 1 }, false)).toBe(JSON.stringify({ first: 1 }));
    expect(reused(w, {}, false)).toBe('{}');
    // a name that needs escaping is declined wherever it comes, and the names around it are unaffected
    expect(reused(w, { type: 'x', 'a"b': 1 }, false)).toBe(DECLINED);
    expect(reused(w, { 'é': 1, type: 'x' }, false)).toBe(DECLINED);
    expect(reused(w, { type: 'x', a: 1 }, false)).toBe(JSON.stringify({ type: 'x', a: 1 }));
  });
});
