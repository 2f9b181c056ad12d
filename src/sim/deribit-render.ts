/**
 * Deribit API v2 wire frames and instrument names, rendered from docs/protocols/deribit.md (never from
 * src/exchanges/). Pure string builders. Deribit writes prices and amounts as JSON numbers: the simulator's decimal
 * strings are written as number tokens as they are (`30000.50`), so a client reading the raw text gets them back.
 */
import type { Level } from '../schema/events.js';
import { MONTH_CODES, readSettleForm } from '../schema/settle-form.js';
import { JsonRpc } from './json-rpc.js';
import { formatFixed } from './prng.js';

/** Deribit's expiration_timestamp of perpetuals (year 3000). */
export const PERPETUAL_EXPIRY = 32503680000000;

/** What the simulator lists for one of its symbols. */
export interface DeribitSimInstrument {
  /** The symbol the simulator's market uses (as given to `startSim`). */
  symbol: string;
  /** `BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]]` of this instrument (the symbol itself when given in that form). */
  unified: string;
  name: string;
  kind: 'future' | 'option' | 'spot';
  base: string;
  /** counter currency (USD on inverse instruments) */
  quote: string;
  settle: string;
  expiry: number;
  strike?: string;
  optionType?: 'call' | 'put';
}

/**
 * `BTC/USD:BTC` → BTC-PERPETUAL, `BTC/USD:BTC-241227` → BTC-27DEC24, `ETH/USD:ETH-241227-3000-C` →
 * ETH-27DEC24-3000-C, `SOL/USDC:USDC` → SOL_USDC-PERPETUAL; a plain `BASE/QUOTE` is the spot pair `BASE_QUOTE`.
 */
export function deribitInstrumentFor(symbol: string): DeribitSimInstrument {
  const f = readSettleForm(symbol);
  if (f === undefined) throw new Error(`sim deribit: cannot list ${symbol}`);
  const { base, quote, settle, expiry, strike, optionType } = f;
  if (settle === undefined) return { symbol, unified: symbol, name: `${base}_${quote}`, kind: 'spot', base, quote, settle: quote, expiry: PERPETUAL_EXPIRY };
  const root = settle === base ? base : `${base}_${settle}`;
  const common = { symbol, unified: symbol, base, quote, settle };
  if (expiry === undefined) return { ...common, name: `${root}-PERPETUAL`, kind: 'future', expiry: PERPETUAL_EXPIRY };
  const date = `${expiry.day}${MONTH_CODES[expiry.month - 1] ?? 'JAN'}${expiry.ymd.slice(0, 2)}`;
  const at = Date.UTC(expiry.year, expiry.month - 1, expiry.day, 8);
  if (strike === undefined || optionType === undefined) return { ...common, name: `${root}-${date}`, kind: 'future', expiry: at };
  const name = `${root}-${date}-${strike.replace('.', 'd')}-${optionType}`;
  return { ...common, name, kind: 'option', expiry: at, strike, optionType: optionType === 'C' ? 'call' : 'put' };
}

const step = (decimals: number): string => formatFixed(1, decimals);

/** One `public/get_instruments` entry (the documented fields tickwire reads, and a few more). */
export function instrumentJson(i: DeribitSimInstrument, tickDecimals: number, lotDecimals: number): Record<string, unknown> {
  const inverse = i.settle === i.base;
  const perpetual = i.expiry === PERPETUAL_EXPIRY;
  if (i.kind === 'spot') {
    return {
      instrument_name: i.name,
      kind: 'spot',
      base_currency: i.base,
      quote_currency: i.quote,
      counter_currency: i.quote,
      is_active: true,
      state: 'open',
      expiration_timestamp: PERPETUAL_EXPIRY,
      creation_timestamp: 1534242287000,
      tick_size: `§${step(tickDecimals)}`,
      min_trade_amount: `§${step(lotDecimals)}`,
      contract_size: `§${step(lotDecimals)}`,
    };
  }
  const o: Record<string, unknown> = {
    instrument_name: i.name,
    kind: i.kind,
    base_currency: i.base,
    // inverse options are quoted in the base coin, counted in USD
    quote_currency: i.kind === 'option' && inverse ? i.base : i.quote,
    counter_currency: i.quote,
    settlement_currency: i.settle,
    settlement_period: perpetual ? 'perpetual' : 'month',
    instrument_type: inverse ? 'reversed' : 'linear',
    is_active: true,
    state: 'open',
    expiration_timestamp: i.expiry,
    creation_timestamp: 1534242287000,
    price_index: `${i.base.toLowerCase()}_usd`,
  };
  if (i.kind === 'future') o.future_type = inverse ? 'reversed' : 'linear';
  if (i.strike !== undefined) o.strike = i.strike;
  if (i.optionType !== undefined) o.option_type = i.optionType;
  // numbers: rendered from the spec's decimals below (raw tokens)
  return { ...o, tick_size: `§${step(tickDecimals)}`, min_trade_amount: `§${step(lotDecimals)}`, contract_size: `§${inverse && i.kind === 'future' ? '10' : '1'}` };
}

/** JSON with `"§…"` strings written as bare number tokens (Deribit's numbers). */
export function jsonWithNumbers(value: unknown): string {
  return JSON.stringify(value).replace(/"§([-0-9.eE]+)"/g, '$1');
}

/** Deribit's JSON-RPC: every reply ends with its timing members (docs/protocols/deribit.md). */
export const rpc = new JsonRpc(',"usIn":0,"usOut":0,"usDiff":0,"testnet":false');

export const notification = (channel: string, data: string): string => rpc.notification('subscription', `{"channel":"${channel}","data":${data}}`);

/** `[["new"|"change"|"delete", price, amount], …]`; `isNew(price)` tells a level that was absent before. */
export function bookEntries(levels: readonly Level[], isNew: (price: string) => boolean): string {
  let s = '[';
  for (let i = 0; i < levels.length; i++) {
    const [px, sz] = levels[i]!;
    const removed = /^0(\.0*)?$/.test(sz);
    s += `${i ? ',' : ''}["${removed ? 'delete' : isNew(px) ? 'new' : 'change'}",${px},${removed ? '0' : sz}]`;
  }
  return `${s}]`;
}

export interface BookFields {
  name: string;
  type: 'snapshot' | 'change';
  timestamp: number;
  changeId: number;
  prevChangeId?: number;
  bids: string;
  asks: string;
}

export function bookData(f: BookFields): string {
  const prev = f.prevChangeId === undefined ? '' : `"prev_change_id":${f.prevChangeId},`;
  return `{"type":"${f.type}","timestamp":${f.timestamp},${prev}"instrument_name":"${f.name}","change_id":${f.changeId},"bids":${f.bids},"asks":${f.asks}}`;
}
