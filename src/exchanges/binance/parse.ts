/**
 * The Binance hot path: combined-stream depthUpdate frames through the scanner (scan.ts), then JSON.parse +
 * hand-written field checks for the frequent kinds (depthUpdate, bookTicker, trade, aggTrade). Everything else goes through the zod schemas (wire.ts), which are also the test oracle: on every
 * frame of the real captures this returns exactly what `parseWithSchemas` returns. Wrong field types give an
 * `malformed` message, never an exception; invalid JSON throws.
 */
import type { Level } from '../../schema/events.js';
import type { AdapterContext, FrameParser, ParserOptions, WireMessage } from '../types.js';
import { dataFromSchemas, malformed, messageFromSchemas } from './wire.js';
import { DepthScanner } from './scan.js';

/** Same as /^\d+(\.\d+)?$/ (WireDecimal), without a regex. */
function isDecimal(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const n = s.length;
  if (n === 0) return false;
  let dot = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c === 46 && !dot && i > 0 && i < n - 1) {
      dot = true;
      continue;
    }
    return false;
  }
  return true;
}

function isLevels(v: unknown): v is Level[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const l: unknown = v[i];
    if (!Array.isArray(l) || l.length !== 2 || !isDecimal(l[0]) || !isDecimal(l[1])) return false;
  }
  return true;
}

const isInt = Number.isSafeInteger as (v: unknown) => v is number;

interface Obj {
  [k: string]: unknown;
}

/** Binance frames with a depthUpdate scanner of its own (the scanner's state lives here, not in a module). */
export class BinanceParser implements FrameParser {
  private readonly scanner: DepthScanner;

  constructor(opts: ParserOptions = {}) {
    this.scanner = new DepthScanner(opts.levelSpans);
  }

  parse(frame: string, _ctx: AdapterContext, bytes?: Uint8Array): WireMessage[] {
    return parseBinanceFrame(this.scanner, frame, bytes);
  }
}

/** One frame; `scanner`: the parser's own depthUpdate scanner (its state, see scan.ts). */
export function parseBinanceFrame(scanner: DepthScanner, frame: string, bytes?: Uint8Array): WireMessage[] {
  // the hottest kind, scanned without JSON.parse (undefined: anything it does not fully recognize)
  const scanned = scanner.scan(frame, bytes);
  if (scanned !== undefined) return [scanned];
  const v: unknown = JSON.parse(frame);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [messageFromSchemas(v)];
  const o = v as Obj;
  const stream = o['stream'];
  if (typeof stream === 'string') {
    const data = o['data'];
    if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
      const hot = hotData(stream, data as Obj);
      if (hot !== undefined) return [hot];
    }
    return [dataFromSchemas(stream, data)];
  }
  return [messageFromSchemas(v)];
}

/** The hot kinds, or undefined to fall back to the schemas. */
function hotData(stream: string, d: Obj): WireMessage | undefined {
  const e = d['e'];
  if (e === 'depthUpdate') {
    const E = d['E'];
    const s = d['s'];
    const U = d['U'];
    const u = d['u'];
    const pu = d['pu'];
    const T = d['T'];
    const b = d['b'];
    const a = d['a'];
    if (
      !isInt(E) ||
      typeof s !== 'string' ||
      !isInt(U) ||
      !isInt(u) ||
      (pu !== undefined && !isInt(pu)) ||
      (T !== undefined && !isInt(T)) ||
      !isLevels(b) ||
      !isLevels(a)
    )
      return malformed('depthUpdate', 'field types');
    const m: WireMessage = {
      kind: 'book',
      market: s,
      action: 'delta',
      exchangeTime: E * 1000,
      bids: b,
      asks: a,
      updateId: u,
      firstUpdateId: U,
    };
    if (pu !== undefined) m.prevUpdateId = pu;
    return m;
  }
  if (e === 'trade') {
    const E = d['E'];
    const s = d['s'];
    const t = d['t'];
    const p = d['p'];
    const q = d['q'];
    const T = d['T'];
    const mk = d['m'];
    if (!isInt(E) || typeof s !== 'string' || !isInt(t) || !isDecimal(p) || !isDecimal(q) || !isInt(T) || typeof mk !== 'boolean')
      return malformed('trade', 'field types');
    return { kind: 'trade', market: s, exchangeTime: T * 1000, tradeId: String(t), price: p, size: q, side: mk ? 'sell' : 'buy' };
  }
  if (e === 'aggTrade') {
    // COIN-M's trade stream: the aggregate id `a` is the trade id
    const s = d['s'];
    const id = d['a'];
    const p = d['p'];
    const q = d['q'];
    const T = d['T'];
    const mk = d['m'];
    if (!isInt(d['E']) || typeof s !== 'string' || !isInt(id) || !isDecimal(p) || !isDecimal(q) || !isInt(T) || typeof mk !== 'boolean') return undefined;
    return { kind: 'trade', market: s, exchangeTime: T * 1000, tradeId: String(id), price: p, size: q, side: mk ? 'sell' : 'buy' };
  }
  if (e === 'bookTicker' || (e === undefined && stream.endsWith('@bookTicker'))) {
    const u = d['u'];
    const s = d['s'];
    const b = d['b'];
    const B = d['B'];
    const a = d['a'];
    const A = d['A'];
    const E = d['E'];
    const T = d['T'];
    if (
      !isInt(u) ||
      typeof s !== 'string' ||
      !isDecimal(b) ||
      !isDecimal(B) ||
      !isDecimal(a) ||
      !isDecimal(A) ||
      (E !== undefined && !isInt(E)) ||
      (T !== undefined && !isInt(T))
    )
      return malformed('bookTicker', 'field types');
    const m: WireMessage = {
      kind: 'ticker',
      market: s,
      fields: { bidPrice: b, bidSize: B, askPrice: a, askSize: A, updateId: u },
    };
    if (E !== undefined) m.exchangeTime = E * 1000;
    return m;
  }
  return undefined;
}
