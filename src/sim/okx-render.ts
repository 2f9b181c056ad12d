/**
 * OKX v5 wire frames, rendered from docs/protocols/okx.md (never from src/exchanges/). Pure string builders; prices and
 * sizes are already wire-formatted decimal strings.
 */
import type { Level } from '../schema/events.js';
import { crc32 } from '../util/crc32.js';

/** `[["px","sz","0","numOrders"],…]` — the third field is the deprecated liquidated-orders count, always "0";
 * a removed level is `["px","0","0","0"]`. */
export function okxLevels(levels: readonly Level[]): string {
  let s = '[';
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as Level;
    // a removed level is ["px","0","0","0"] on the real feed
    const removed = /^0(\.0*)?$/.test(l[1]);
    s += removed ? `${i ? ',' : ''}["${l[0]}","0","0","0"]` : `${i ? ',' : ''}["${l[0]}","${l[1]}","0","${1 + (l[0].length % 7)}"]`;
  }
  return `${s}]`;
}

/**
 * OKX's legacy checksum over the first 25 levels: `bid1px:bid1sz:ask1px:ask1sz:…`, a side that runs out is skipped,
 * CRC32 as a signed 32-bit integer. (Own implementation; the adapter has its own.)
 */
export function okxBookChecksum(bids: readonly Level[], asks: readonly Level[]): number {
  const parts: string[] = [];
  for (let i = 0; i < 25; i++) {
    const b = bids[i];
    const a = asks[i];
    if (b === undefined && a === undefined) break;
    if (b !== undefined) parts.push(b[0], b[1]);
    if (a !== undefined) parts.push(a[0], a[1]);
  }
  return crc32(parts.join(':')) | 0;
}

export interface OkxBookFields {
  instId: string;
  action: 'snapshot' | 'update';
  bids: readonly Level[];
  asks: readonly Level[];
  ts: number;
  checksum: number;
  prevSeqId: number;
  seqId: number;
}

export function booksFrame(f: OkxBookFields): string {
  return (
    `{"arg":{"channel":"books","instId":"${f.instId}"},"action":"${f.action}","data":[{"asks":${okxLevels(f.asks)},` +
    `"bids":${okxLevels(f.bids)},"ts":"${f.ts}","checksum":${f.checksum},"prevSeqId":${f.prevSeqId},"seqId":${f.seqId}}]}`
  );
}

export interface OkxTickerFields {
  instType: 'SPOT' | 'SWAP';
  instId: string;
  last: string;
  lastSz: string;
  /** "" when the side is empty. */
  askPx: string;
  askSz: string;
  bidPx: string;
  bidSz: string;
  open24h: string;
  high24h: string;
  low24h: string;
  volCcy24h: string;
  vol24h: string;
  ts: number;
}

export function tickersFrame(t: OkxTickerFields): string {
  return (
    `{"arg":{"channel":"tickers","instId":"${t.instId}"},"data":[{"instType":"${t.instType}","instId":"${t.instId}",` +
    `"last":"${t.last}","lastSz":"${t.lastSz}","askPx":"${t.askPx}","askSz":"${t.askSz}","bidPx":"${t.bidPx}",` +
    `"bidSz":"${t.bidSz}","open24h":"${t.open24h}","high24h":"${t.high24h}","low24h":"${t.low24h}",` +
    `"sodUtc0":"${t.open24h}","sodUtc8":"${t.open24h}","volCcy24h":"${t.volCcy24h}","vol24h":"${t.vol24h}","ts":"${t.ts}"}]}`
  );
}

export interface OkxTradeFields {
  instId: string;
  tradeId: number;
  px: string;
  sz: string;
  side: 'buy' | 'sell';
  ts: number;
}

export function tradesFrame(t: OkxTradeFields): string {
  return (
    `{"arg":{"channel":"trades","instId":"${t.instId}"},"data":[{"instId":"${t.instId}","tradeId":"${t.tradeId}",` +
    `"px":"${t.px}","sz":"${t.sz}","side":"${t.side}","ts":"${t.ts}","count":"1"}]}`
  );
}

function argJson(channel: string, instId: string): string {
  return `{"channel":${JSON.stringify(channel)},"instId":${JSON.stringify(instId)}}`;
}

function idField(id: string | undefined): string {
  return id === undefined ? '' : `"id":${JSON.stringify(id)},`;
}

export function ackFrame(event: 'subscribe' | 'unsubscribe', channel: string, instId: string, connId: string, id?: string): string {
  return `{${idField(id)}"event":"${event}","arg":${argJson(channel, instId)},"connId":"${connId}"}`;
}

export function errorFrame(code: string, msg: string, connId: string, id?: string): string {
  return `{${idField(id)}"event":"error","code":"${code}","msg":${JSON.stringify(msg)},"connId":"${connId}"}`;
}

/** 60018, as captured live: `Wrong URL or channel:tickers,instId:BTC-INEXISTANT doesn't exist…`. */
export function unknownInstrumentError(channel: string, instId: string, connId: string, id?: string): string {
  return errorFrame(
    '60018',
    `Wrong URL or channel:${channel},instId:${instId} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`,
    connId,
    id,
  );
}

export function noticeFrame(connId: string): string {
  return `{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"${connId}"}`;
}

// ---- derivative channels of swaps (docs/protocols/okx.md#derivative-and-liquidations), field order as OKX's examples ----

/** Exact product of two non-negative decimal strings (contracts × ctVal), keeping every decimal. */
export function mulDecimal(a: string, b: string): string {
  const [ai = '0', af = ''] = a.split('.');
  const [bi = '0', bf = ''] = b.split('.');
  const dp = af.length + bf.length;
  const digits = (BigInt(ai + af) * BigInt(bi + bf)).toString().padStart(dp + 1, '0');
  return dp === 0 ? digits : `${digits.slice(0, digits.length - dp)}.${digits.slice(digits.length - dp)}`;
}

export function markPriceFrame(instId: string, markPx: string, ts: number): string {
  return `{"arg":{"channel":"mark-price","instId":"${instId}"},"data":[{"instType":"SWAP","instId":"${instId}","markPx":"${markPx}","ts":"${ts}"}]}`;
}

/** `index`: the index id (the swap's underlying, `BTC-USDT`). */
export function indexTickersFrame(index: string, idxPx: string, stats: { open: string; high: string; low: string }, ts: number): string {
  return (
    `{"arg":{"channel":"index-tickers","instId":"${index}"},"data":[{"instId":"${index}","idxPx":"${idxPx}",` +
    `"high24h":"${stats.high}","low24h":"${stats.low}","open24h":"${stats.open}","sodUtc0":"${stats.open}","sodUtc8":"${stats.open}","ts":"${ts}"}]}`
  );
}

export interface OkxFundingFields {
  instId: string;
  fundingRate: string;
  /** Settlement of the running period (ms). */
  fundingTime: number;
  /** Settlement of the period after it (ms). */
  nextFundingTime: number;
  ts: number;
}

/** Method `current_period`: `nextFundingRate` is "" (OKX no longer forecasts the next period's rate). */
export function fundingRateFrame(f: OkxFundingFields): string {
  return (
    `{"arg":{"channel":"funding-rate","instId":"${f.instId}"},"data":[{"formulaType":"withRate","fundingRate":"${f.fundingRate}",` +
    `"fundingTime":"${f.fundingTime}","impactValue":"","instId":"${f.instId}","instType":"SWAP","interestRate":"0.0001",` +
    `"method":"current_period","maxFundingRate":"0.00375","minFundingRate":"-0.00375","nextFundingRate":"",` +
    `"nextFundingTime":"${f.nextFundingTime}","premium":"0","settFundingRate":"${f.fundingRate}","settState":"settled","ts":"${f.ts}"}]}`
  );
}

/** `oi` in contracts, `oiCcy` in the base currency, `oiUsd` in USD. */
export function openInterestFrame(instId: string, oi: string, oiCcy: string, oiUsd: string, ts: number): string {
  return (
    `{"arg":{"channel":"open-interest","instId":"${instId}"},"data":[{"instId":"${instId}","instType":"SWAP",` +
    `"oi":"${oi}","oiCcy":"${oiCcy}","oiUsd":"${oiUsd}","ts":"${ts}"}]}`
  );
}

/** One liquidation order of `instId` on `liquidation-orders` (instType SWAP); `side` is the order's. */
export function liquidationOrdersFrame(instId: string, index: string, l: { side: 'buy' | 'sell'; price: string; size: string; time: number }): string {
  const posSide = l.side === 'sell' ? 'long' : 'short';
  return (
    `{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[{"bkLoss":"0","bkPx":"${l.price}","ccy":"",` +
    `"posSide":"${posSide}","side":"${l.side}","sz":"${l.size}","ts":"${l.time}"}],"instFamily":"${index}","instId":"${instId}",` +
    `"instType":"SWAP","uly":"${index}"}]}`
  );
}

/** Subscribe ack of a channel subscribed by instrument type. */
export function ackTypeFrame(event: 'subscribe' | 'unsubscribe', channel: string, instType: string, connId: string, id?: string): string {
  return `{${id === undefined ? '' : `"id":${JSON.stringify(id)},`}"event":"${event}","arg":{"channel":"${channel}","instType":"${instType}"},"connId":"${connId}"}`;
}
