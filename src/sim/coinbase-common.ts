/**
 * Pieces shared by the two Coinbase simulator protocols (Advanced Trade and Exchange). Written from
 * docs/protocols/coinbase.md, never from src/exchanges/.
 */
import type { Level } from '../schema/events.js';
import { formatFixed, parseFixed } from './prng.js';
import type { SimConnection } from './server.js';
import type { SimFault, SimSymbolSpec } from './types.js';

/** Options both Coinbase protocols take (a superset-compatible subset of what `startSim` passes). */
export interface CoinbaseSimBaseOptions {
  seed: number;
  symbols: SimSymbolSpec[];
  /** Levels per side of the true book (sent whole in the in-band snapshot). Default 200. */
  levels?: number;
  /** Book step cadence per symbol (ms). Default 100. */
  intervalMs?: number;
  /** Trade cadence per symbol (ms). Default 250. */
  tradeIntervalMs?: number;
  /** Changes kept per symbol for `trueBookAt`. Default 50 000. */
  historySize?: number;
  /** Heartbeat cadence (ms). Default 1000 (the real 1/s). */
  heartbeatIntervalMs?: number;
  /** Close a connection that has not subscribed within this long (ms); 0 = never. Default 5000. */
  subscribeDeadlineMs?: number;
  /** Incoming messages per second per connection before close 1008; 0 = no limit. */
  maxIncomingPerSec?: number;
}

export interface SimProduct {
  spec: SimSymbolSpec;
  /** `BTC-USD`. */
  native: string;
  /** Last trades, newest first (replayed on subscribe). */
  recentTrades: { id: number; price: string; size: string; takerSide: 'buy' | 'sell'; time: number }[];
  /** Per-product sequence (Exchange `sequence`). */
  sequence: number;
  lastTradeId: number;
  /** `bid|ask` tops last published on the ticker. */
  lastTop: string;
}

export function nativeOf(symbol: string): string {
  const [base = symbol, quote = ''] = symbol.split('/');
  return `${base}-${quote}`.toUpperCase();
}

export function products(symbols: readonly SimSymbolSpec[]): Map<string, SimProduct> {
  const out = new Map<string, SimProduct>();
  for (const spec of symbols) {
    const native = nativeOf(spec.symbol);
    out.set(native, { spec, native, recentTrades: [], sequence: 1000, lastTradeId: 0, lastTop: '' });
  }
  return out;
}

/** RFC 3339 with microseconds (`2021-04-17T16:43:30.244075Z`) from epoch ms. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A price certainly absent from the book: three ticks beyond the worst bid (or worst ask if that is ≤ 0). */
export function absentPrice(spec: SimSymbolSpec, bids: readonly Level[], asks: readonly Level[]): { side: 'bid' | 'ask'; price: string } {
  const worstBid = bids[bids.length - 1];
  if (worstBid !== undefined) {
    const t = parseFixed(worstBid[0], spec.tickDecimals) - 3;
    if (t > 0) return { side: 'bid', price: formatFixed(t, spec.tickDecimals) };
  }
  const worstAsk = asks[asks.length - 1];
  const t = (worstAsk === undefined ? 1 : parseFixed(worstAsk[0], spec.tickDecimals)) + 3;
  return { side: 'ask', price: formatFixed(t, spec.tickDecimals) };
}

/**
 * A bid the true book cannot have (one decimal finer than the tick, just above `bid`): the `ghost-level` fault
 * renders it (above the third best bid, so it sits in the top levels without crossing) into an update, and it
 * stays in a client's book until a resync.
 */
export function ghostBid(spec: SimSymbolSpec, bid: string): string {
  return spec.tickDecimals > 0 ? `${bid}5` : `${bid}.5`;
}

function field(f: SimFault, key: string): unknown {
  return (f as Record<string, unknown>)[key];
}

/** A fault aimed at a connection: no symbol = every connection; else connections carrying that symbol. */
export function aimsAt(conn: SimConnection): (f: SimFault) => boolean {
  return (f) => {
    const s = field(f, 'symbol');
    return typeof s !== 'string' || conn.symbols.has(s);
  };
}

export function faultText(f: SimFault, key: string): string | undefined {
  const v = field(f, key);
  return typeof v === 'string' ? v : undefined;
}

export function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}
