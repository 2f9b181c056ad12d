/**
 * The public instrument record (`tickwire instruments`, `instruments()` in the API): what one exchange lists about
 * one market, read from its instruments endpoint. One schema for every exchange; a fact the exchange's endpoint does
 * not give is absent, never guessed. Prices and sizes are decimal strings as the exchange wrote them.
 */
import { z } from 'zod';
import { Decimal, ExchangeId } from './events.js';

export const INSTRUMENT_KINDS = ['spot', 'perpetual', 'future', 'option'] as const;
export const InstrumentKind = z.enum(INSTRUMENT_KINDS);
export type InstrumentKind = z.infer<typeof InstrumentKind>;

/** The facts an adapter's `parseInstruments` reads (the record without the exchange id). */
export const InstrumentFacts = z.object({
  market: z.string().describe("The exchange's own id (`BTCUSDT`, `BTC-USDT-SWAP`, `BTC/USD`): accepted as `exchange:MARKET`."),
  symbol: z
    .string()
    .describe(
      'The unified symbol events carry: `BASE/QUOTE` (dated futures: `BASE/QUOTE-EXPIRY` in the exchange\'s own expiry code). ' +
        'Derivatives are also accepted as `BASE/QUOTE:SETTLE[-YYMMDD[-STRIKE-C|P]]` (see `settleSymbol`).',
    ),
  base: z.string(),
  quote: z.string(),
  trading: z.boolean().describe('Listed and trading; anything else (halted, pre-open, delisted) is refused for subscriptions.'),
  status: z.string().optional().describe("The exchange's own status word (`TRADING`, `live`, `online`, `Trading`…)."),
  kind: InstrumentKind.optional(),
  settle: z.string().optional().describe('Settlement currency (derivatives).'),
  tickSize: Decimal.optional().describe('Price increment.'),
  lotSize: Decimal.optional().describe('Size increment, in the unit of the book\'s sizes (contracts where sizes are contracts).'),
  minSize: Decimal.optional().describe('Smallest order size, same unit as `lotSize`.'),
  minNotional: Decimal.optional().describe('Smallest order value in the quote currency.'),
  contractValue: Decimal.optional().describe('Value of one contract, in `contractValueCurrency` (derivatives whose sizes are contracts).'),
  contractValueCurrency: z.string().optional(),
  multiplier: Decimal.optional().describe("The exchange's contract multiplier, where it gives one."),
  sizeUnit: z
    .string()
    .optional()
    .describe('The currency sizes are counted in where it is not one base unit (Deribit: USD on inverse futures and perpetuals), or `contracts` (Binance COIN-M: see `contractValue`).'),
  expiry: z.number().int().nonnegative().optional().describe('Expiry / delivery time, epoch µs (dated futures and options).'),
  strike: Decimal.optional().describe('Option strike price.'),
  optionType: z.enum(['call', 'put']).optional(),
  pricePrecision: z.number().int().nonnegative().optional().describe('Decimals of prices (from the tick size or the exchange\'s own figure).'),
  qtyPrecision: z.number().int().nonnegative().optional().describe('Decimals of sizes.'),
});
export type InstrumentFacts = z.infer<typeof InstrumentFacts>;

/** One record of `tickwire instruments EXCHANGE --json` (NDJSON: one per line). */
export const InstrumentRecord = z.object({ type: z.literal('instrument'), exchange: ExchangeId, ...InstrumentFacts.shape }).strict();
export type InstrumentRecord = z.infer<typeof InstrumentRecord>;
