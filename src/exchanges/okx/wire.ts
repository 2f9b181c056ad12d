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
  /** Instrument id: `BTC-USDT` (spot), `BTC-USDT-SWAP` (perpetual swap). */
  instId: z.string().optional(),
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
