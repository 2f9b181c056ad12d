/**
 * Deribit instrument names ↔ unified symbols (docs/protocols/deribit.md#symbols), and the unit of sizes.
 *
 * Unified: `BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]]`, QUOTE being the currency prices are counted in for the user
 * (`counter_currency`: USD on inverse instruments), SETTLE the settlement currency:
 *   BTC-PERPETUAL → BTC/USD:BTC · BTC-27DEC24 → BTC/USD:BTC-241227 · ETH-27DEC24-3000-C → ETH/USD:ETH-241227-3000-C ·
 *   SOL_USDC-PERPETUAL → SOL/USDC:USDC · BTC_USDC (spot) → BTC/USDC.
 */
import type { Instrument } from '../types.js';
import { plainDecimal } from '../kraken/raw-json.js';
import { DeribitInstrument } from './wire.js';
import { decimalFact, decimalsOfStep as decimalsOf, msToMicros, withFacts } from '../instrument-facts.js';
import { MONTH_CODES, readSettleForm, yymmdd } from '../../schema/settle-form.js';

/** The unit sizes (book amounts, trade amounts) are counted in: USD on inverse futures/perpetuals, else the base. */
export function sizeUnitOf(raw: { kind: string; base_currency: string; instrument_type?: string | undefined; counter_currency?: string | undefined; quote_currency: string }): string {
  if (raw.kind === 'future' && raw.instrument_type === 'reversed') return raw.counter_currency ?? raw.quote_currency;
  return raw.base_currency;
}

/** One `public/get_instruments` entry → an Instrument; undefined for combos and shapes not understood. */
export function toInstrument(entry: unknown): (Instrument & { sizeUnit: string }) | undefined {
  const r = DeribitInstrument.safeParse(entry);
  if (!r.success) return undefined;
  const raw = r.data;
  const base = raw.base_currency;
  const quote = raw.counter_currency ?? raw.quote_currency;
  const settle = raw.settlement_currency ?? quote;
  let symbol: string;
  if (raw.kind === 'spot') symbol = `${base}/${raw.quote_currency}`;
  else if (raw.kind === 'future' && raw.settlement_period === 'perpetual') symbol = `${base}/${quote}:${settle}`;
  else if (raw.kind === 'future' && raw.expiration_timestamp !== undefined) {
    symbol = `${base}/${quote}:${settle}-${yymmdd(Number(raw.expiration_timestamp))}`;
  } else if (raw.kind === 'option' && raw.expiration_timestamp !== undefined && raw.strike !== undefined && raw.option_type !== undefined) {
    const cp = raw.option_type === 'call' ? 'C' : 'P';
    symbol = `${base}/${quote}:${settle}-${yymmdd(Number(raw.expiration_timestamp))}-${plainDecimal(raw.strike)}-${cp}`;
  } else return undefined;
  const inst: Instrument & { sizeUnit: string } = {
    market: raw.instrument_name,
    symbol,
    base,
    quote: raw.kind === 'spot' ? raw.quote_currency : quote,
    trading: raw.is_active,
    sizeUnit: sizeUnitOf(raw),
  };
  const pp = decimalsOf(plainDecimal(raw.tick_size));
  const qp = decimalsOf(plainDecimal(raw.min_trade_amount));
  if (pp !== undefined) inst.pricePrecision = pp;
  if (qp !== undefined) inst.qtyPrecision = qp;
  if (raw.kind !== 'spot') inst.contractValue = plainDecimal(raw.contract_size);
  const perpetual = raw.kind === 'future' && raw.settlement_period === 'perpetual';
  const dated = (raw.kind === 'future' && !perpetual) || raw.kind === 'option';
  return withFacts(inst, {
    kind: raw.kind === 'spot' ? 'spot' : perpetual ? 'perpetual' : raw.kind === 'future' ? 'future' : 'option',
    settle: raw.kind === 'spot' ? undefined : settle,
    tickSize: decimalFact(plainDecimal(raw.tick_size)),
    minSize: decimalFact(plainDecimal(raw.min_trade_amount)),
    expiry: dated && raw.expiration_timestamp !== undefined ? msToMicros(Number(raw.expiration_timestamp)) : undefined,
    strike: raw.kind === 'option' && raw.strike !== undefined ? decimalFact(plainDecimal(raw.strike)) : undefined,
    optionType: raw.kind === 'option' ? raw.option_type : undefined,
  });
}

/**
 * Native instrument name for a symbol: instrument names pass through as they are (`BTC-PERPETUAL`); unified symbols
 * are spelled the Deribit way (`BTC/USD:BTC-241227` → `BTC-27DEC24`); `BASE/QUOTE` without a settlement currency is
 * the spot pair `BASE_QUOTE`.
 */
export function deribitMarket(symbol: string): string {
  const s = symbol.trim();
  const f = s.includes('/') ? readSettleForm(s) : undefined;
  if (f === undefined) return s;
  const { base, quote, settle, expiry, strike, optionType } = f;
  if (settle === undefined) return `${base}_${quote}`;
  const root = settle === base ? base : `${base}_${settle}`;
  if (expiry === undefined) return `${root}-PERPETUAL`;
  // `YYMMDD` → Deribit's `DMMMYY` (`241227` → `27DEC24`, `240105` → `5JAN24`)
  const month = MONTH_CODES[expiry.month - 1];
  if (month === undefined) return s;
  const date = `${expiry.day}${month}${expiry.ymd.slice(0, 2)}`;
  return strike === undefined || optionType === undefined ? `${root}-${date}` : `${root}-${date}-${strike.replace('.', 'd')}-${optionType}`;
}
