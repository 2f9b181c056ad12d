/**
 * The adapter seam: the only place an exchange's quirks live. Adapters are pure — they build messages and parse
 * frames; they never touch sockets, timers, loggers or sinks.
 */
import type { Channel, ExchangeId, Integrity, Level } from '../schema/events.js';
import type { TwCode } from '../errors.js';
import type { OrderBook } from '../book/order-book.js';

/** Base origins; the adapter appends its real paths. `--endpoint binance=ws://127.0.0.1:9443,http://127.0.0.1:9443`. */
export interface Endpoints {
  ws: string;
  rest: string;
}

export interface Instrument {
  /** The exchange's own id, e.g. `BTCUSDT`, `BTC-USDT-SWAP`, `BTC/USD`. */
  market: string;
  /** Unified `BASE/QUOTE`. */
  symbol: string;
  base: string;
  quote: string;
  /** Listed but not trading (halted, delisted) counts as unknown for subscriptions. */
  trading: boolean;
  pricePrecision?: number;
  qtyPrecision?: number;
  /** Contract value (derivatives whose sizes are contracts). */
  contractValue?: string;
}

/** A REST request relative to the REST origin, with its cost in the exchange's rate-limit units. */
export interface RestRequest {
  path: string;
  weight: number;
}

/** One subscribed stream on a connection. */
export interface StreamRef {
  market: string;
  channel: Channel;
}

export interface KeepaliveSpec {
  /** Reconnect when no frame at all (data, pings, pongs, heartbeats) arrives for this long. */
  staleAfterMs: number;
  /** Client keepalive: a WebSocket ping frame or a text message, sent every `intervalMs`. */
  ping?: { intervalMs: number; kind: 'frame' } | { intervalMs: number; kind: 'text'; message: () => string };
  /** Reconnect when a client ping gets no pong (frame pong or a parsed `pong`) within this long. */
  pongTimeoutMs?: number;
}

/** Partial ticker fields; the pipeline merges them into the last known ticker of the market. */
export interface TickerFields {
  bidPrice?: string;
  bidSize?: string;
  askPrice?: string;
  askSize?: string;
  last?: string;
  lastSize?: string;
  open24h?: string;
  high24h?: string;
  low24h?: string;
  volume24h?: string;
  quoteVolume24h?: string;
  updateId?: number;
}

/** What an adapter's `parse` turns one frame into. Times are epoch microseconds. */
export type WireMessage =
  | { kind: 'ticker'; market: string; exchangeTime?: number; fields: TickerFields }
  | {
      kind: 'trade';
      market: string;
      exchangeTime?: number;
      tradeId: string;
      price: string;
      size: string;
      side: 'buy' | 'sell';
    }
  | {
      kind: 'book';
      market: string;
      action: 'snapshot' | 'delta';
      exchangeTime?: number;
      bids: Level[];
      asks: Level[];
      /** Last update id this message brings the book to (Binance `u`, OKX `seqId`, Bybit `u`). */
      updateId?: number;
      /** First update id in this message (Binance `U`). */
      firstUpdateId?: number;
      /** Id this message chains from (Binance futures `pu`, OKX `prevSeqId`). */
      prevUpdateId?: number;
      /** Exchange checksum, when the message carries one (0 = absent on OKX). */
      checksum?: number;
    }
  /** A subscription ack (or any request's success). */
  | { kind: 'ack'; id?: string | number }
  /** An error reply, for one stream when `market` is known. */
  | { kind: 'error'; code: TwCode; message: string; market?: string; channel?: Channel; id?: string | number }
  | { kind: 'pong' }
  | { kind: 'heartbeat'; market?: string }
  /** The exchange says this connection will go away soon: reconnect early. */
  | { kind: 'reconnect'; reason: string }
  /** A per-connection sequence number (Coinbase Advanced Trade `sequence_num`). */
  | { kind: 'sequence'; value: number }
  /** Well-formed JSON of a known kind whose fields do not match the wire schema (counted as malformed). */
  | {
      kind: 'malformed';
      reason: string;
      /** `book`: the message was book data (of `market` when known): that book lost an update and is resynced. */
      channel?: Channel;
      market?: string;
    }
  | { kind: 'unknown'; reason: string };

export type DeltaMessage = Extract<WireMessage, { kind: 'book' }>;

/** What to do with a delta: apply it, drop it (already in the book) or declare a gap (resync). */
export type Continuity = 'apply' | 'drop' | 'gap';

export interface RestSnapshot {
  updateId: number;
  bids: Level[];
  asks: Level[];
  exchangeTime?: number;
}

/** What the book sync keeps of the last applied message: its id, not its levels (those must die young). */
export interface PrevDelta {
  updateId?: number | undefined;
}

/** How an exchange's books are synced and verified. */
export interface BookRules {
  readonly integrity: Integrity;
  /**
   * Where snapshots come from: a REST request spliced with buffered deltas, or in-band on the socket.
   * `inband-or-rest`: in-band when the exchange sends one as the first book message of a subscription, else the
   * REST path (buffer deltas, fetch, splice with `snapshotTooOld`/`first`) — OKX, whose initial snapshot is
   * announced to go away.
   */
  readonly snapshot: 'rest' | 'inband' | 'inband-or-rest';
  /** How a broken book is recovered: fetch a REST snapshot, or unsubscribe/resubscribe that book. */
  readonly resync: 'rest' | 'resubscribe';
  /** REST snapshot request (snapshot 'rest', and for periodic cross-checks). */
  snapshotRequest?(market: string, depth: number): RestRequest;
  parseSnapshot?(body: string): RestSnapshot;
  /** The snapshot is older than the first buffered delta: fetch again. */
  snapshotTooOld?(snapshotId: number, firstBuffered: DeltaMessage): boolean;
  /** Continuity of the first delta after a snapshot with id `snapshotId`. */
  first(snapshotId: number, delta: DeltaMessage): Continuity;
  /** Continuity of every following delta given the last applied message's id (`prev`) and the local id. */
  next(localId: number, delta: DeltaMessage, prev: PrevDelta | undefined): Continuity;
  /** Verify the exchange checksum after applying a message; undefined when the message carries none. */
  verifyChecksum?(book: OrderBook, msg: DeltaMessage): boolean | undefined;
  /** Depth over which the checksum is computed (for `integrityDepth`). */
  readonly checksumDepth?: number;
  /** Books defined at a fixed depth are truncated to it after every message (Kraken). */
  truncateTo?(subscribedDepth: number): number | undefined;
  /**
   * How the periodic REST cross-check compares (default `id`: splice/compare at the snapshot's update id).
   * `top-n`: the REST book carries no usable id (Coinbase), so the local book's top levels are compared with the
   * REST book's on arrival (src/book/top-compare.ts) and only a divergence that persists over several checks
   * triggers a resync; `parseSnapshot`'s `updateId` is then 0 and meaningless.
   */
  readonly reconcileBy?: 'id' | 'top-n';
  /**
   * In-band snapshots: deltas tolerated while waiting for the snapshot (stale ones of an earlier subscription); one
   * more means the snapshot went missing → gap, resync. Undefined: deltas before the snapshot are dropped forever.
   */
  readonly maxDeltasBeforeSnapshot?: number;
  /**
   * Where a `chained` book's continuity proof lives. `book` (default): per-book update ids, checked on every delta,
   * so data that resumes after a silence proves it missed nothing. `connection`: one sequence across every channel
   * of the connection (Coinbase Advanced Trade `sequence_num`): it proves no frame was lost, but not that the
   * exchange still sends this book (a channel it closed leaves the sequence contiguous through the heartbeats), so
   * the pipeline treats a silent book like an unchained one (see ExchangeRuntime.silenceBreaksContinuity).
   */
  readonly chainScope?: 'book' | 'connection';
  /**
   * Rules for a book whose in-band snapshot shows another variant of the feed, or undefined for these rules. OKX:
   * a snapshot without `seqId` but with a checksum (captures from before OKX sent `seqId`, replays of them) is
   * verified by its checksum (`integrity: checksum`, a checksum required on every message) instead of being
   * refused as a gap on every update. Re-decided on every in-band snapshot; a REST snapshot uses these rules.
   */
  variantFor?(snapshot: DeltaMessage): BookRules | undefined;
}

export interface AdapterContext {
  /** Book depth to subscribe, where the exchange has a choice. */
  bookDepth: number;
  instruments: ReadonlyMap<string, Instrument>;
}

export interface ExchangeAdapter {
  readonly id: ExchangeId;
  readonly defaultEndpoints: Endpoints;
  /** The full WebSocket URL to connect to. */
  wsUrl(endpoints: Endpoints): string;
  readonly limits: {
    maxStreamsPerConnection: number;
    /** Outgoing control messages per second (Binance counts pongs too). */
    controlMessagesPerSecond: number;
    /** Subscribe/unsubscribe messages per connection per hour, where the exchange caps them (OKX: 480). */
    subscribeMessagesPerHour?: number;
    /** New connections per second per IP, where the exchange caps them (OKX: 3). */
    connectionsPerSecond?: number;
    /** Messages per second per IP across all connections to this host (Coinbase unauthenticated: 8). */
    hostMessagesPerSecond?: number;
    /** REST request-weight budget per minute of the exchange (the scheduler uses ~80% of it). */
    restWeightPerMinute?: number;
    /** Response header carrying the server's count of used weight (Binance `x-mbx-used-weight-1m`). */
    restUsedWeightHeader?: string;
  };
  readonly keepalive: KeepaliveSpec;
  /** Reference data (instrument list) used to validate symbols before subscribing. */
  instrumentsRequest(): RestRequest;
  parseInstruments(body: string): Instrument[];
  /** The REST weight limit per minute the instruments response announces, if it does (Binance `rateLimits`). */
  parseRestWeightLimit?(body: string): number | undefined;
  /** Native market id for a unified symbol when instruments are not (yet) known. */
  toMarket(symbol: string): string;
  /** Messages that subscribe these streams (batched as the exchange allows). */
  subscribe(streams: readonly StreamRef[], ctx: AdapterContext, nextId: () => number): string[];
  unsubscribe(streams: readonly StreamRef[], ctx: AdapterContext, nextId: () => number): string[];
  /**
   * Parse one text frame. Pure; throws only on JSON that is not valid (the caller counts it). `bytes`: the frame as
   * received (its UTF-8), when the caller has them — a scanner may read those instead of the text.
   */
  parse(frame: string, ctx: AdapterContext, bytes?: Uint8Array): WireMessage[];
  readonly book: BookRules;
  /**
   * An outgoing message as it may be logged: adapters whose subscribe messages carry credentials (Coinbase
   * signatures, JWTs) replace them. Log outgoing frames only through this when it is defined.
   */
  redactOutgoing?(message: string): string;
}
