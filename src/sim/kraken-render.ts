/**
 * Kraken Spot WebSocket v2 wire frames and REST replies, rendered from docs/protocols/kraken.md (never from src/exchanges/).
 * Pure string builders. Prices and quantities are written as unquoted JSON number tokens carrying every digit of
 * the fixed-decimal strings (`"qty":0.00100000`), or trimmed of trailing zeros the way Kraken sometimes sends them.
 * The book checksum is computed here with the simulator's own (bitwise) CRC32. Also the levels an update carries
 * (`sideUpdate`) and the reading of a client's command (`readCommand`).
 */
import { requestObject } from './request-json.js';
import type { Level } from '../schema/events.js';

/** CRC32 (IEEE), bit by bit — deliberately not the adapter's table-driven code. Unsigned. */
export function simCrc32(text: string): number {
  let crc = ~0;
  for (let i = 0; i < text.length; i++) {
    crc ^= text.charCodeAt(i) & 0xff;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** Kraken checksum field: decimal point removed, leading zeros stripped. */
function field(decimal: string): string {
  return decimal.split('.').join('').replace(/^0+(?=\d)/, '');
}

/** Checksum of a book: `asks`/`bids` best first; the top 10 of each are used. */
export function bookChecksum(bids: readonly Level[], asks: readonly Level[]): number {
  const parts: string[] = [];
  for (const [p, q] of asks.slice(0, 10)) parts.push(field(p), field(q));
  for (const [p, q] of bids.slice(0, 10)) parts.push(field(p), field(q));
  return simCrc32(parts.join(''));
}

/** A fixed-decimal string as a JSON number token: all digits, or without trailing fraction zeros. */
export function numberToken(decimal: string, trim: boolean): string {
  if (!trim || !decimal.includes('.')) return decimal;
  return decimal.replace(/0+$/, '').replace(/\.$/, '');
}

function levels(ls: readonly Level[], trim: boolean): string {
  let s = '[';
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i] as Level;
    s += `${i ? ',' : ''}{"price":${numberToken(l[0], trim)},"qty":${numberToken(l[1], trim)}}`;
  }
  return `${s}]`;
}

/** RFC 3339 with microseconds, from epoch ms. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export interface BookFrame {
  symbol: string;
  type: 'snapshot' | 'update';
  bids: readonly Level[];
  asks: readonly Level[];
  checksum: number;
  /** Epoch ms; updates only. */
  time?: number;
}

export function bookFrame(b: BookFrame, trim: boolean): string {
  const ts = b.time === undefined ? '' : `,"timestamp":"${rfc3339(b.time)}"`;
  return `{"channel":"book","type":"${b.type}","data":[{"symbol":"${b.symbol}","bids":${levels(b.bids, trim)},"asks":${levels(
    b.asks,
    trim,
  )},"checksum":${b.checksum}${ts}}]}`;
}

export interface TickerData {
  symbol: string;
  bid: Level;
  ask: Level;
  last: string;
  volume: string;
  vwap: string;
  low: string;
  high: string;
  change: string;
  changePct: string;
  time: number;
}

export function tickerFrame(type: 'snapshot' | 'update', t: TickerData, trim: boolean): string {
  const n = (v: string): string => numberToken(v, trim);
  return (
    `{"channel":"ticker","type":"${type}","data":[{"symbol":"${t.symbol}","bid":${n(t.bid[0])},"bid_qty":${n(t.bid[1])},` +
    `"ask":${n(t.ask[0])},"ask_qty":${n(t.ask[1])},"last":${n(t.last)},"volume":${n(t.volume)},"vwap":${n(t.vwap)},` +
    `"low":${n(t.low)},"high":${n(t.high)},"change":${n(t.change)},"change_pct":${n(t.changePct)},"timestamp":"${rfc3339(t.time)}"}]}`
  );
}

export interface TradeData {
  symbol: string;
  side: 'buy' | 'sell';
  price: string;
  qty: string;
  id: number;
  time: number;
}

export function tradeFrame(type: 'snapshot' | 'update', trades: readonly TradeData[], trim: boolean): string {
  const items = trades.map(
    (t) =>
      `{"symbol":"${t.symbol}","side":"${t.side}","price":${numberToken(t.price, trim)},"qty":${numberToken(t.qty, trim)},` +
      `"ord_type":"market","trade_id":${t.id},"timestamp":"${rfc3339(t.time)}"}`,
  );
  return `{"channel":"trade","type":"${type}","data":[${items.join(',')}]}`;
}

export const HEARTBEAT = '{"channel":"heartbeat"}';

export function statusFrame(system: 'online' | 'maintenance', connectionId: number): string {
  return `{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":${connectionId},"system":"${system}","version":"2.0.9"}]}`;
}

function times(nowMs: number): string {
  const t = rfc3339(nowMs);
  return `"time_in":"${t}","time_out":"${t}"`;
}

function reqId(id: number | undefined): string {
  return id === undefined ? '' : `,"req_id":${id}`;
}

/** Success reply for one symbol of a subscribe/unsubscribe; `result` is pre-rendered JSON members. */
export function methodOk(method: string, result: string, id: number | undefined, nowMs: number): string {
  return `{"method":"${method}","result":{${result}},"success":true,${times(nowMs)}${reqId(id)}}`;
}

export function methodError(method: string, error: string, symbol: string | undefined, id: number | undefined, nowMs: number): string {
  const sym = symbol === undefined ? '' : `,"symbol":${JSON.stringify(symbol)}`;
  return `{"error":${JSON.stringify(error)},"method":"${method}","success":false${sym},${times(nowMs)}${reqId(id)}}`;
}

export function pong(id: number | undefined, nowMs: number): string {
  return `{"method":"pong"${reqId(id)},${times(nowMs)}}`;
}

/**
 * The wire levels that turn window `prev` into window `next` (both best first) for one side: levels removed from
 * the book inside the window get qty 0; new or changed levels inside `next` are sent; levels merely pushed out of
 * the depth are not sent (the client truncates). `diffLevels` are the true book's changes of this step.
 */
export function sideUpdate(prev: readonly Level[], next: readonly Level[], diffLevels: readonly Level[]): Level[] {
  const removed = new Map<string, string>();
  for (const [p, q] of diffLevels) if (isZero(q)) removed.set(p, q);
  const before = new Map<string, string>(prev.map(([p, q]) => [p, q]));
  const after = new Set(next.map(([p]) => p));
  const out: Level[] = [];
  for (const [p] of prev) {
    const zero = removed.get(p);
    if (!after.has(p) && zero !== undefined) out.push([p, zero]);
  }
  for (const [p, q] of next) if (before.get(p) !== q) out.push([p, q]);
  return out;
}

function isZero(size: string): boolean {
  return /^0*(\.0*)?$/.test(size);
}

/** Parse a client command without trusting it. */
export function readCommand(text: string): { method: string; params: Record<string, unknown>; reqId: number | undefined } | undefined {
  const o = requestObject(text);
  if (o === undefined || typeof o['method'] !== 'string') return undefined;
  const params = typeof o['params'] === 'object' && o['params'] !== null ? (o['params'] as Record<string, unknown>) : {};
  const reqId = typeof o['req_id'] === 'number' ? o['req_id'] : undefined;
  return { method: o['method'], params, reqId };
}
