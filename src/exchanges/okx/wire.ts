/**
 * Private OKX v5 wire schemas (docs/protocols/okx.md). `books` frames are parsed by hand on the hot path (parse.ts);
 * `OkxBooksFrame` here is the reference the tests cross-check that parser against.
 */
import { z } from 'zod';

/** `[price, size, liquidatedOrders (deprecated, "0"), numOrders]`, all strings. */
export const OkxLevel = z.tuple([z.string(), z.string()]).rest(z.string());

/** Which channel and instrument a push belongs to. */
export const OkxArg = z.object({
  channel: z.string(),
  /** Instrument id: `BTC-USDT` (spot), `BTC-USDT-SWAP` (perpetual swap); the index `BTC-USDT` on `index-tickers`. */
  instId: z.string().optional(),
  /** Instrument type, on channels subscribed per type (`liquidation-orders`: `SWAP`). */
  instType: z.string().optional(),
});

export const OkxBookData = z.object({
  asks: z.array(OkxLevel),
  bids: z.array(OkxLevel),
  /** Exchange time, epoch ms as a string. */
  ts: z.string(),
  /** Signed CRC32 of the top 25 interleaved levels; always 0 ("absent") since 2026-06-23. */
  checksum: z.number().int().optional(),
  /** Sequence id of this message, per instrument, identical across connections. */
  seqId: z.number().int().optional(),
  /** seqId of the previous message (-1 on a snapshot); continuity iff `prevSeqId == last seqId`. */
  prevSeqId: z.number().int().optional(),
});

export const OkxBooksFrame = z.object({
  arg: OkxArg,
  /** `snapshot` replaces the book; `update` carries absolute sizes ("0" removes). */
  action: z.enum(['snapshot', 'update']),
  data: z.array(OkxBookData),
});

export const OkxTickerData = z.object({
  instId: z.string(),
  last: z.string().optional(),
  lastSz: z.string().optional(),
  /** Best ask/bid price and size; may be `""` when the side is empty. */
  askPx: z.string().optional(),
  askSz: z.string().optional(),
  bidPx: z.string().optional(),
  bidSz: z.string().optional(),
  open24h: z.string().optional(),
  high24h: z.string().optional(),
  low24h: z.string().optional(),
  /** 24 h volume: spot in base currency; derivatives in contracts. */
  vol24h: z.string().optional(),
  /** 24 h volume: spot in quote currency; derivatives in base currency. */
  volCcy24h: z.string().optional(),
  ts: z.string(),
});

export const OkxTradeData = z.object({
  instId: z.string(),
  tradeId: z.string(),
  px: z.string(),
  /** Size: base currency on spot, contracts on swaps. */
  sz: z.string(),
  /** Taker side. */
  side: z.enum(['buy', 'sell']),
  ts: z.string(),
});

/** `mark-price` push data (docs/protocols/okx.md#derivative-and-liquidations). */
export const OkxMarkPriceData = z.object({
  instId: z.string(),
  instType: z.string().optional(),
  /** Mark price. */
  markPx: z.string(),
  ts: z.string(),
});

/** `index-tickers` push data: `instId` is the index (`BTC-USDT`), the swap's underlying. */
export const OkxIndexTickerData = z.object({
  instId: z.string(),
  /** Latest index price. */
  idxPx: z.string(),
  open24h: z.string().optional(),
  high24h: z.string().optional(),
  low24h: z.string().optional(),
  sodUtc0: z.string().optional(),
  sodUtc8: z.string().optional(),
  ts: z.string(),
});

/** `funding-rate` push data. */
export const OkxFundingRateData = z.object({
  instId: z.string(),
  instType: z.string().optional(),
  /** Funding rate of the running period (a fraction). */
  fundingRate: z.string(),
  /** Forecast rate of the next period; "" (no longer supported, method `current_period`). */
  nextFundingRate: z.string().optional(),
  /** Settlement time of the running period (epoch ms string). */
  fundingTime: z.string(),
  /** Settlement time of the period after it. */
  nextFundingTime: z.string().optional(),
  method: z.string().optional(),
  formulaType: z.string().optional(),
  minFundingRate: z.string().optional(),
  maxFundingRate: z.string().optional(),
  interestRate: z.string().optional(),
  impactValue: z.string().optional(),
  premium: z.string().optional(),
  settState: z.string().optional(),
  settFundingRate: z.string().optional(),
  ts: z.string(),
});

/** `open-interest` push data. */
export const OkxOpenInterestData = z.object({
  instId: z.string(),
  instType: z.string().optional(),
  /** Open interest in contracts. */
  oi: z.string(),
  /** Open interest in the currency (BTC). */
  oiCcy: z.string().optional(),
  /** Open interest in USD. */
  oiUsd: z.string().optional(),
  ts: z.string(),
});

/** `liquidation-orders` push data: one entry per instrument, its liquidations in `details`. */
export const OkxLiquidationData = z.object({
  instId: z.string(),
  instType: z.string().optional(),
  instFamily: z.string().optional(),
  uly: z.string().optional(),
  details: z.array(
    z.object({
      /** The liquidation order's side. */
      side: z.string(),
      /** `long` | `short` (hedge mode) | `net`. */
      posSide: z.string().optional(),
      /** Bankruptcy price: the price of the trade with the system's liquidation account. */
      bkPx: z.string(),
      /** Size in contracts (swaps, futures). */
      sz: z.string(),
      bkLoss: z.string().optional(),
      ccy: z.string().optional(),
      /** Liquidation time (epoch ms); not necessarily in order across pushes. */
      ts: z.string(),
    }),
  ),
});

export const OkxDataFrame = z.object({
  arg: OkxArg,
  data: z.array(z.unknown()),
});

/** Replies to requests and server notices: `subscribe`, `unsubscribe`, `error`, `notice`, `channel-conn-count-error`. */
export const OkxEventFrame = z.object({
  event: z.string(),
  /** Echo of the client's request id. */
  id: z.string().optional(),
  arg: OkxArg.optional(),
  /** OKX error code as a string, e.g. "60018" (unknown instrument). */
  code: z.string().optional(),
  msg: z.string().optional(),
  channel: z.string().optional(),
  connId: z.string().optional(),
});

/** `GET /api/v5/public/instruments?instType=SPOT|SWAP` entry. */
export const OkxInstrument = z.object({
  instType: z.string(),
  instId: z.string(),
  /** Spot: base/quote currencies ("" on derivatives). */
  baseCcy: z.string().optional(),
  quoteCcy: z.string().optional(),
  /** Derivatives: settlement currency; `uly` = underlying `BTC-USDT`. */
  settleCcy: z.string().optional(),
  uly: z.string().optional(),
  /** Contract value (swaps): one contract = ctVal units of ctValCcy. */
  ctVal: z.string().optional(),
  ctValCcy: z.string().optional(),
  /** `linear` | `inverse` (derivatives). */
  ctType: z.string().optional(),
  /** Price tick and size lot as decimal strings. */
  tickSz: z.string(),
  lotSz: z.string(),
  /** Minimum order size (contracts on derivatives). */
  minSz: z.string().optional(),
  /** Contract multiplier; expiry (ms, "" for swaps). */
  ctMult: z.string().optional(),
  expTime: z.string().optional(),
  /** `live` | `suspend` | `preopen` | `test`. */
  state: z.string(),
});

export const OkxInstrumentsResponse = z.object({
  code: z.string(),
  msg: z.string().optional(),
  data: z.array(OkxInstrument),
});

/** `GET /api/v5/market/books?instId=…&sz=400`. */
export const OkxRestBooksResponse = z.object({
  code: z.string(),
  msg: z.string().optional(),
  data: z
    .array(
      z.object({
        asks: z.array(OkxLevel),
        bids: z.array(OkxLevel),
        ts: z.string(),
        seqId: z.number().int(),
      }),
    )
    .min(1),
});
