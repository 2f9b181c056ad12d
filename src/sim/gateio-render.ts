/**
 * Pure Gate.io spot v4 frame rendering for the simulator (docs/protocols/gateio.md), written from the protocol notes,
 * never from src/exchanges/. Every server frame carries `time` (s) and `time_ms`; replies echo the request's `id`
 * and `payload`.
 */
import type { Level } from '../schema/events.js';
import type { SimTrade } from './types.js';

const stamp = (now: number): string => `"time":${Math.floor(now / 1000)},"time_ms":${now}`;

/** A `spot.order_book_update` push: `full` replaces the book (no `full` field on an incremental push). */
export function bookUpdateFrame(o: {
  market: string;
  depth: number;
  U: number;
  u: number;
  b: readonly Level[];
  a: readonly Level[];
  full: boolean;
  now: number;
}): string {
  const full = o.full ? `"full":true,` : '';
  const result = `{"t":${o.now},${full}"l":"${o.depth}","e":"depthUpdate","E":${Math.floor(o.now / 1000)},"s":"${o.market}","U":${o.U},"u":${o.u},"b":${JSON.stringify(o.b)},"a":${JSON.stringify(o.a)}}`;
  return `{${stamp(o.now)},"channel":"spot.order_book_update","event":"update","result":${result}}`;
}

export function bookTickerFrame(market: string, u: number, bid: Level | undefined, ask: Level | undefined, now: number): string {
  const result = { t: now, u, s: market, b: bid?.[0] ?? '', B: bid?.[1] ?? '', a: ask?.[0] ?? '', A: ask?.[1] ?? '' };
  return `{${stamp(now)},"channel":"spot.book_ticker","event":"update","result":${JSON.stringify(result)}}`;
}

export function tradeFrame(market: string, t: SimTrade, now: number): string {
  const result = {
    id: t.id,
    create_time: Math.floor(t.time / 1000),
    create_time_ms: `${t.time}.0000`,
    side: t.side,
    currency_pair: market,
    amount: t.size,
    price: t.price,
    range: `${t.id}-${t.id}`,
    id_market: t.id,
  };
  return `{${stamp(now)},"channel":"spot.trades","event":"update","result":${JSON.stringify(result)}}`;
}

/** `spot.tickers`: `result` holds `currency_pair`, `last`, `lowest_ask`, `highest_bid`, `change_percentage`,
 * `base_volume`, `quote_volume`, `high_24h`, `low_24h` (all strings). */
export function tickerFrame(result: Readonly<Record<string, string>>, now: number): string {
  return `{${stamp(now)},"channel":"spot.tickers","event":"update","result":${JSON.stringify(result)}}`;
}

/** Reply to a `subscribe` / `unsubscribe` request: success, or `error: {code, message}` with `status: fail`. */
export function replyFrame(o: {
  id: number | undefined;
  connId: string;
  channel: string;
  event: string;
  payload: readonly string[];
  error?: { code: number; message: string };
  now: number;
}): string {
  const id = o.id === undefined ? '' : `"id":${o.id},`;
  const error = o.error === undefined ? 'null' : JSON.stringify(o.error);
  const status = o.error === undefined ? 'success' : 'fail';
  return `{${stamp(o.now)},${id}"conn_id":"${o.connId}","channel":"${o.channel}","event":"${o.event}","payload":${JSON.stringify(o.payload)},"error":${error},"result":{"status":"${status}"}}`;
}

export function pongFrame(now: number): string {
  return `{${stamp(now)},"channel":"spot.pong","event":"","error":null,"result":null}`;
}

export const UPGRADE_NOTICE = '{"type":"upgrade","msg":"The connection will soon be closed for a service upgrade. Please reconnect."}';
