/**
 * Pure Bybit v5 frame rendering for the simulator (docs/protocols/bybit.md), written from the protocol notes, never from
 * src/exchanges/. The book of an `orderbook.{depth}.X` topic is the top `depth` levels of the true book: a delta
 * lists every level whose size changed inside that window, and a `"0"` for every level that left it (so the
 * client's book stays exactly `depth` deep without truncating), like Bybit's own stream.
 */
import type { Level } from '../schema/events.js';
import { formatFixed, parseFixed } from './prng.js';

export type BybitSimCategory = 'spot' | 'linear';

/** The last published top-N window of one book topic. */
export class BookWindow {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  /** Wire `u` of the last published message. */
  u = 0;
  /** Epoch ms of the last published message (level-1 re-push). */
  lastSentAt = 0;

  constructor(readonly depth: number) {}

  reset(bids: readonly Level[], asks: readonly Level[], u: number): void {
    this.bids = new Map(bids);
    this.asks = new Map(asks);
    this.u = u;
  }

  /** Levels that changed from the window to the new top-N (sizes; `"0"` for levels that left), best first. */
  diff(bids: readonly Level[], asks: readonly Level[]): { b: Level[]; a: Level[] } {
    return { b: diffSide(this.bids, bids), a: diffSide(this.asks, asks) };
  }

  ladder(): { b: Level[]; a: Level[] } {
    return { b: [...this.bids], a: [...this.asks] };
  }
}

function diffSide(old: Map<string, string>, next: readonly Level[]): Level[] {
  const out: Level[] = [];
  const seen = new Set<string>();
  for (const [p, s] of next) {
    seen.add(p);
    if (old.get(p) !== s) out.push([p, s]);
  }
  for (const p of old.keys()) if (!seen.has(p)) out.push([p, '0']);
  return out;
}

export function bookFrame(
  topic: string,
  type: 'snapshot' | 'delta',
  market: string,
  b: readonly Level[],
  a: readonly Level[],
  u: number,
  seq: number,
  now: number,
  category: BybitSimCategory,
): string {
  const data = JSON.stringify({ s: market, b, a, u, seq });
  // spot puts `ts` before `type` (docs/protocols/bybit.md#book: parse by key, never by position)
  return category === 'spot'
    ? `{"topic":"${topic}","ts":${now},"type":"${type}","data":${data},"cts":${now - 1}}`
    : `{"topic":"${topic}","type":"${type}","ts":${now},"data":${data},"cts":${now - 1}}`;
}

/** Prices outside a window (deletes of absent levels): `n` ticks beyond the worst bid and the worst ask. */
export function absentPrices(window: BookWindow, tickDecimals: number, n = 7): { bid: string; ask: string } | undefined {
  const worstBid = [...window.bids.keys()].at(-1);
  const worstAsk = [...window.asks.keys()].at(-1);
  if (worstBid === undefined || worstAsk === undefined) return undefined;
  const bidUnits = parseFixed(worstBid, tickDecimals) - n;
  if (bidUnits <= 0) return undefined;
  return {
    bid: formatFixed(bidUnits, tickDecimals),
    ask: formatFixed(parseFixed(worstAsk, tickDecimals) + n, tickDecimals),
  };
}

export function tradeFrame(
  market: string,
  trade: { id: number; price: string; size: string; side: 'buy' | 'sell'; time: number },
  seq: number,
  now: number,
  category: BybitSimCategory,
): string {
  // spot trade ids are numeric strings; derivatives use UUIDs
  const i = category === 'spot' ? String(trade.id) : `00000000-0000-4000-8000-${trade.id.toString(16).padStart(12, '0')}`;
  const data = [
    { T: trade.time, s: market, S: trade.side === 'buy' ? 'Buy' : 'Sell', v: trade.size, p: trade.price, L: 'PlusTick', i, BT: false, seq },
  ];
  return JSON.stringify({ topic: `publicTrade.${market}`, type: 'snapshot', ts: now, data });
}

/** `allLiquidation.X` (docs/protocols/bybit.md#derivative-and-liquidations): `S` is the liquidated position's side. */
export function liquidationFrame(
  market: string,
  l: { side: 'buy' | 'sell'; price: string; size: string; time: number },
  now: number,
): string {
  const data = [{ T: l.time, s: market, S: l.side === 'sell' ? 'Buy' : 'Sell', v: l.size, p: l.price }];
  return JSON.stringify({ topic: `allLiquidation.${market}`, type: 'snapshot', ts: now, data });
}

export type TickerData = Record<string, string>;

/** Ticker fields that changed (linear deltas carry only these). */
export function changedFields(prev: TickerData, next: TickerData): TickerData | undefined {
  let out: TickerData | undefined;
  for (const [k, v] of Object.entries(next)) {
    if (prev[k] !== v) (out ??= {})[k] = v;
  }
  return out;
}

export function tickerFrame(market: string, type: 'snapshot' | 'delta', data: TickerData, cs: number, now: number): string {
  return JSON.stringify({ topic: `tickers.${market}`, type, data: { symbol: market, ...data }, cs, ts: now });
}

export function opReply(
  category: BybitSimCategory,
  op: string,
  connId: string,
  reqId: string | undefined,
  success: boolean,
  retMsg: string,
): string {
  const o: Record<string, unknown> = { success, ret_msg: retMsg, conn_id: connId };
  // linear replies always carry req_id ("" when the request had none); spot only when given
  if (category === 'linear' || reqId !== undefined) o.req_id = reqId ?? '';
  o.op = op;
  return JSON.stringify(o);
}
