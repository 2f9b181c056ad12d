/**
 * Binance spot / USD-M / COIN-M futures wire frames (COIN-M adds the pair `ps`), rendered from docs/protocols/binance.md (never from src/exchanges/).
 * Pure string builders; prices and sizes are already wire-formatted decimal strings.
 */
import type { Level } from '../schema/events.js';
import type { SimStats } from './market.js';

export function levelsJson(levels: readonly Level[]): string {
  let s = '[';
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as Level;
    s += `${i ? ',' : ''}["${l[0]}","${l[1]}"]`;
  }
  return `${s}]`;
}

/** Combined-stream wrapper `{"stream":…,"data":…}`. */
export function combined(stream: string, data: string): string {
  return `{"stream":"${stream}","data":${data}}`;
}

export interface DepthFields {
  E: number;
  T: number;
  s: string;
  U: number;
  u: number;
  pu: number;
  bids: readonly Level[];
  asks: readonly Level[];
  /** COIN-M: the pair. */
  ps?: string | undefined;
}

/** `depthUpdate`: spot `{e,E,s,U,u,b,a}`; futures adds `T` and `pu`; COIN-M `ps` after `s`. */
export function depthUpdate(d: DepthFields, futures: boolean): string {
  const b = levelsJson(d.bids);
  const a = levelsJson(d.asks);
  const ps = d.ps === undefined ? '' : `,"ps":"${d.ps}"`;
  return futures
    ? `{"e":"depthUpdate","E":${d.E},"T":${d.T},"s":"${d.s}"${ps},"U":${d.U},"u":${d.u},"pu":${d.pu},"b":${b},"a":${a}}`
    : `{"e":"depthUpdate","E":${d.E},"s":"${d.s}","U":${d.U},"u":${d.u},"b":${b},"a":${a}}`;
}

export interface BookTickerFields {
  u: number;
  s: string;
  bid: Level;
  ask: Level;
  E: number;
  T: number;
  ps?: string | undefined;
}

/** `bookTicker`: spot has no `e`/`E`; futures `{e,u,s,b,B,a,A,T,E}`; COIN-M `ps` after `s`. */
export function bookTicker(t: BookTickerFields, futures: boolean): string {
  const core = `"u":${t.u},"s":"${t.s}"${t.ps === undefined ? '' : `,"ps":"${t.ps}"`},"b":"${t.bid[0]}","B":"${t.bid[1]}","a":"${t.ask[0]}","A":"${t.ask[1]}"`;
  return futures ? `{"e":"bookTicker",${core},"T":${t.T},"E":${t.E}}` : `{${core}}`;
}

export interface TradeFields {
  E: number;
  T: number;
  s: string;
  t: number;
  p: string;
  q: string;
  /** Buyer is the maker (taker sold). */
  m: boolean;
}

/** `trade`: spot `{e,E,s,t,p,q,T,m,M}`; futures `{e,E,T,s,t,p,q,X,m}`. */
export function trade(t: TradeFields, futures: boolean): string {
  return futures
    ? `{"e":"trade","E":${t.E},"T":${t.T},"s":"${t.s}","t":${t.t},"p":"${t.p}","q":"${t.q}","X":"MARKET","m":${t.m}}`
    : `{"e":"trade","E":${t.E},"s":"${t.s}","t":${t.t},"p":"${t.p}","q":"${t.q}","T":${t.T},"m":${t.m},"M":true}`;
}

/** COIN-M `aggTrade` `{e,E,a,s,p,q,f,l,T,m}` (quantity in contracts). */
export function aggTrade(t: TradeFields): string {
  return `{"e":"aggTrade","E":${t.E},"a":${t.t},"s":"${t.s}","p":"${t.p}","q":"${t.q}","f":${t.t},"l":${t.t},"T":${t.T},"m":${t.m}}`;
}

export interface TickerFields {
  E: number;
  s: string;
  stats: SimStats;
  /** Wire-format price/size re-formatter. */
  px: (v: string) => string;
  qty: (v: string) => string;
  bid: Level | undefined;
  ask: Level | undefined;
  /** COIN-M: the pair, and the 24 h volume in the base asset (`q`; `v` is in contracts there). */
  ps?: string | undefined;
  baseVolume?: string | undefined;
}

/** `24hrTicker`: spot includes x, b/B, a/A; futures omits them. */
export function ticker24h(t: TickerFields, futures: boolean): string {
  const st = t.stats;
  const closeTime = t.E;
  const head = `"e":"24hrTicker","E":${t.E},"s":"${t.s}"${t.ps === undefined ? '' : `,"ps":"${t.ps}"`},"p":"${t.px(st.priceChange)}","P":"${st.priceChangePercent}","w":"${t.px(st.weightedAvg)}"`;
  const book = futures
    ? ''
    : `,"x":"${t.px(st.open)}","b":"${t.bid?.[0] ?? '0'}","B":"${t.bid?.[1] ?? '0'}","a":"${t.ask?.[0] ?? '0'}","A":"${t.ask?.[1] ?? '0'}"`;
  const last = `,"c":"${t.px(st.last)}","Q":"${t.qty(st.lastQty)}"`;
  const tail =
    `,"o":"${t.px(st.open)}","h":"${t.px(st.high)}","l":"${t.px(st.low)}","v":"${t.qty(st.volume)}","q":"${t.baseVolume ?? t.px(st.quoteVolume)}"` +
    `,"O":${st.openTime},"C":${closeTime},"F":${st.firstTradeId},"L":${st.lastTradeId},"n":${st.count}`;
  // spot field order: p,P,w,x,c,Q,b,B,a,A,o,…; futures: p,P,w,c,Q,o,…
  if (futures) return `{${head}${last}${tail}}`;
  const [x, b] = [book.slice(0, book.indexOf(',"b"')), book.slice(book.indexOf(',"b"'))];
  return `{${head}${x}${last}${b}${tail}}`;
}

export function serverShutdown(E: number, isCombined: boolean): string {
  const data = `{"e":"serverShutdown","E":${E}}`;
  return isCombined ? combined('!serverShutdown', data) : data;
}

export function ack(idJson: string, result: string = 'null'): string {
  return `{"result":${result},"id":${idJson}}`;
}

export function wsError(code: number, msg: string, idJson: string): string {
  return `{"error":{"code":${code},"msg":${JSON.stringify(msg)}},"id":${idJson}}`;
}
