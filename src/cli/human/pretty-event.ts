/**
 * One readable line per event (`tickwire stream --pretty`, the default on a terminal): local time, exchange, symbol,
 * type, then the event's key numbers in aligned columns. Status lines are coloured by state. Pure: no I/O.
 */
import type { Level, MarketEvent, StatusEvent } from '../../schema/events.js';
import { localIso, type Paint } from './terminal.js';

export interface PrettyOptions {
  paint: Paint;
  /** Minutes east of UTC for the time column (default: this machine's zone). */
  offsetMinutes?: number;
}

const NUM = 14;
const num = (s: string | undefined): string => (s ?? '-').padStart(NUM);
const best = (l: Level | undefined): string => (l === undefined ? `${num(undefined)} x ${'-'.padEnd(NUM)}` : `${num(l[0])} x ${l[1].padEnd(NUM)}`);

function statusColour(s: StatusEvent, p: Paint): (x: string) => string {
  if (s.state === 'error' || s.state === 'gap' || s.state === 'closed') return p.red;
  if (s.code !== 'TW_OK' || s.state === 'resyncing' || s.state === 'reconnecting' || s.state === 'no_data') return p.yellow;
  return p.green;
}

function removals(levels: readonly Level[]): number {
  let n = 0;
  for (const l of levels) if (l[1] === '0') n++;
  return n;
}

function body(e: MarketEvent, p: Paint, offsetMinutes: number | undefined): string {
  switch (e.type) {
    case 'trade':
      return `${(e.side === 'buy' ? p.green : p.red)(e.side.padEnd(4))} ${num(e.price)} x ${e.size.padEnd(NUM)} id ${e.tradeId}`;
    case 'ticker':
      return `bid ${best(e.bidPrice === undefined ? undefined : [e.bidPrice, e.bidSize ?? '-'])} ask ${best(
        e.askPrice === undefined ? undefined : [e.askPrice, e.askSize ?? '-'],
      )} last ${e.last ?? '-'}`;
    case 'book_snapshot':
    case 'book_top':
      return `bid ${best(e.bids[0])} ask ${best(e.asks[0])} levels ${e.bids.length}/${e.asks.length} #${e.updateId ?? '-'} ${e.integrity}`;
    case 'book_delta': {
      const changes = e.bids.length + e.asks.length;
      const gone = removals(e.bids) + removals(e.asks);
      return `${String(e.bids.length).padStart(3)} bids ${String(e.asks.length).padStart(3)} asks  ${changes - gone} set ${gone} removed  #${e.updateId ?? '-'}`;
    }
    case 'derivative_ticker':
      return `mark ${e.markPrice ?? '-'} index ${e.indexPrice ?? '-'} funding ${e.fundingRate ?? '-'} oi ${e.openInterest ?? '-'}${
        e.openInterestUnit ? ` ${e.openInterestUnit}` : ''
      }`;
    case 'liquidation':
      return `${(e.side === 'buy' ? p.green : p.red)(e.side.padEnd(4))} ${num(e.price)} x ${e.size}`;
    case 'trade_bar':
      return `${e.interval} ${localIso(e.start, offsetMinutes)} o ${e.open} h ${e.high} l ${e.low} c ${e.close} v ${e.volume} n ${e.trades}${
        e.complete ? '' : p.dim(' incomplete')
      }`;
    case 'status': {
      const c = statusColour(e, p);
      return c(`${e.state.padEnd(12)} ${e.code}  ${e.reason}`) + (e.connectionId !== undefined ? p.dim(`  ${e.connectionId}`) : '');
    }
  }
}

export function prettyEvent(e: MarketEvent, o: PrettyOptions): string {
  const p = o.paint;
  const symbol = e.type === 'status' ? (e.symbol ?? (e.scope === 'connection' ? '*' : '-')) : e.symbol;
  const type = e.type === 'status' && e.channel !== undefined ? `status/${e.channel}` : e.type;
  return `${p.dim(localIso(e.localTime, o.offsetMinutes))} ${e.exchange.padEnd(17)} ${symbol.padEnd(10)} ${type.padEnd(13)} ${body(e, p, o.offsetMinutes)}`;
}
