/**
 * Helpers shared by both Coinbase feeds (Advanced Trade `coinbase` and Exchange `coinbase-exchange`). Pure.
 */
import type { Channel } from '../../schema/events.js';
import type { TwCode } from '../../errors.js';
import type { StreamRef, WireMessage } from '../types.js';

/** `BTC/USD` → `BTC-USD`. */
export function toCoinbaseMarket(symbol: string): string {
  return symbol.replace('/', '-').toUpperCase();
}

/** `BTC-USD` → `BTC/USD`. */
export function fromCoinbaseMarket(market: string): string {
  return market.replace('-', '/');
}

const ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/;

/**
 * RFC 3339 UTC time with 0–9 fraction digits → integer epoch microseconds, without going through a float for
 * the fraction. Undefined for anything else, and for the epoch itself (Advanced Trade snapshots carry
 * `1970-01-01T00:00:00Z` as "no time").
 */
export function isoToMicros(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1]!}Z`);
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  const frac = m[2] === undefined ? 0 : parseInt((m[2] + '000000').slice(0, 6), 10);
  return ms * 1000 + frac;
}

/** Decimals of an increment string: `"0.0001"` → 4, `"1"` → 0. */
export { decimalsOfStep as decimalsOf } from '../instrument-facts.js';

/** Group streams by channel, keeping the order in which markets were given. */
export function marketsByChannel(streams: readonly StreamRef[]): Map<Channel, string[]> {
  const out = new Map<Channel, string[]>();
  for (const s of streams) {
    const list = out.get(s.channel);
    if (list === undefined) out.set(s.channel, [s.market]);
    else if (!list.includes(s.market)) list.push(s.market);
  }
  return out;
}

export { chunk } from '../wire-read.js';

const NOT_A_PRODUCT = /^([A-Z0-9]+-[A-Z0-9]+) is not a valid product/;

/**
 * An error frame → WireMessage. Coinbase error texts come from the server (never contain our credentials); the
 * market is recovered from "X-Y is not a valid product", the channel from a level2 authentication refusal.
 */
export function errorMessage(message: string, reason: string | undefined): WireMessage {
  const text = reason === undefined || reason === '' ? message : `${message}: ${reason}`;
  const notProduct = reason === undefined ? null : NOT_A_PRODUCT.exec(reason);
  if (notProduct !== null) {
    return { kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', message: text, market: notProduct[1]! };
  }
  const code: TwCode = 'TW_ERR_EXCHANGE_ERROR';
  if (reason !== undefined && /level2/.test(reason) && /authentication/i.test(reason)) {
    return { kind: 'error', code, message: text, channel: 'book' };
  }
  return { kind: 'error', code, message: text };
}
