/**
 * Private Deribit API v2 wire schemas (docs/protocols/deribit.md). Frames are read with every JSON number kept as
 * its exact source text (a string, see parse.ts), so every number field here is a string. `book` notifications are
 * parsed by hand on the hot path (parse.ts); `DeribitBookData` is the reference the tests cross-check it against.
 */
import { z } from 'zod';

/** A number as its source text (frames are read keeping numbers lossless). */
const Num = z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/);

/** `[action, price, amount]`: `new` | `change` | `delete` (amount 0 on delete). */
export const DeribitBookEntry = z.tuple([z.enum(['new', 'change', 'delete']), Num, Num]);

export const DeribitBookData = z.object({
  /** `snapshot` on the first notification of a subscription, then `change`. */
  type: z.enum(['snapshot', 'change']),
  /** Epoch ms. */
  timestamp: Num,
  instrument_name: z.string(),
  /** Id of this notification's state of the book. */
  change_id: Num,
  /** change_id of the previous notification (absent on the snapshot); continuity iff equal to the last change_id. */
  prev_change_id: Num.optional(),
  bids: z.array(DeribitBookEntry),
  asks: z.array(DeribitBookEntry),
});

export const DeribitTickerData = z.object({
  instrument_name: z.string(),
  /** Epoch ms. */
  timestamp: Num,
  best_bid_price: Num.nullable().optional(),
  best_bid_amount: Num.nullable().optional(),
  best_ask_price: Num.nullable().optional(),
  best_ask_amount: Num.nullable().optional(),
  last_price: Num.nullable().optional(),
  /** Mark price and the index price of the instrument's underlying. */
  mark_price: Num.nullable().optional(),
  index_price: Num.nullable().optional(),
  /** Perpetuals only: the current funding rate (a fraction) and the funding of the last 8 hours. */
  current_funding: Num.nullable().optional(),
  funding_8h: Num.nullable().optional(),
  /** Outstanding contracts in amount units: USD on perpetuals and inverse futures, the coin on options and linear ones. */
  open_interest: Num.nullable().optional(),
  /** 24 h figures: `volume` in base currency, `volume_usd` in USD (futures), high/low prices. */
  stats: z
    .object({
      volume: Num.nullable().optional(),
      volume_usd: Num.nullable().optional(),
      high: Num.nullable().optional(),
      low: Num.nullable().optional(),
    })
    .optional(),
});

export const DeribitTradeData = z.object({
  instrument_name: z.string(),
  trade_id: z.string(),
  /** Per-instrument trade sequence number. */
  trade_seq: Num.optional(),
  /** Epoch ms. */
  timestamp: Num,
  price: Num,
  /** USD for perpetuals and inverse futures, the base coin for options and linear instruments. */
  amount: Num,
  /** Taker side. */
  direction: z.enum(['buy', 'sell']),
  /** Only on trades caused by a liquidation: `M` the maker side was under liquidation, `T` the taker side, `MT` both. */
  liquidation: z.enum(['M', 'T', 'MT']).optional(),
});

/** One instrument of `public/get_instruments`. */
export const DeribitInstrument = z.object({
  instrument_name: z.string(),
  /** `future` (incl. perpetuals), `option`, `spot`, `future_combo`, `option_combo`. */
  kind: z.string(),
  base_currency: z.string(),
  quote_currency: z.string(),
  /** The currency prices are counted in for the user (`USD` on inverse options quoted in BTC). */
  counter_currency: z.string().optional(),
  settlement_currency: z.string().optional(),
  /** `perpetual`, `day`, `week`, `month`, … */
  settlement_period: z.string().optional(),
  /** `reversed` (inverse, sizes in USD) or `linear` (sizes in the base coin). */
  instrument_type: z.string().optional(),
  future_type: z.string().optional(),
  is_active: z.boolean(),
  tick_size: Num,
  min_trade_amount: Num,
  contract_size: Num,
  /** Epoch ms (32503680000000 on perpetuals). */
  expiration_timestamp: Num.optional(),
  strike: Num.optional(),
  option_type: z.enum(['call', 'put']).optional(),
});

export const DeribitInstrumentsResponse = z.object({
  result: z.array(z.unknown()),
});

/** A JSON-RPC error object. */
export const DeribitError = z.object({
  code: Num,
  message: z.string(),
  data: z.unknown().optional(),
});
