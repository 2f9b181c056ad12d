/**
 * The adapter seam: the only place an exchange's quirks live. Adapters are pure — they build messages and parse
 * frames; they never touch sockets, timers, loggers or sinks.
 */
import type { Channel, ExchangeId } from '../schema/events.js';
import type { TwCode } from '../errors.js';
import type { BookRules, DeltaMessage } from '../book/rules.js';
import type { RestRequest } from '../rest/request.js';
import type { InstrumentFacts } from '../schema/instrument.js';
import type { LevelSpans } from '../book/level-spans.js';

// the book's and the REST scheduler's types, where adapters have always found them
export type { BookRules, Continuity, DeltaMessage, PrevDelta, RestSnapshot } from '../book/rules.js';
export type { RestRequest } from '../rest/request.js';

/** Base origins; the adapter appends its real paths. `--endpoint binance=ws://127.0.0.1:9443,http://127.0.0.1:9443`. */
export interface Endpoints {
  ws: string;
  rest: string;
}

/** What an exchange lists about one market (`src/schema/instrument.ts`: the field meanings). */
export type Instrument = InstrumentFacts;

/** One subscribed stream on a connection. */
export interface StreamRef {
  market: string;
  channel: Channel;
}

export interface KeepaliveSpec {
  /** Reconnect when no frame at all (data, pings, pongs, heartbeats) arrives for this long. */
  staleAfterMs: number;
  /**
   * Client keepalive: a WebSocket ping frame or a text message, sent every `intervalMs`. `message` gets the
   * connection's own count of text pings (1, 2, …) for exchanges that number them.
   */
  ping?: { intervalMs: number; kind: 'frame' } | { intervalMs: number; kind: 'text'; message: (n: number) => string };
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

/**
 * Partial derivative fields (mark/index/funding/open interest); the pipeline merges them into the last known state
 * of the market. Times are epoch microseconds.
 */
export interface DerivativeFields {
  markPrice?: string;
  indexPrice?: string;
  fundingRate?: string;
  nextFundingTime?: number;
  predictedFundingRate?: string;
  openInterest?: string;
  openInterestUnit?: 'contracts' | 'base' | 'usd';
  openInterestValue?: string;
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
  | DeltaMessage
  | { kind: 'derivative'; market: string; exchangeTime?: number; fields: DerivativeFields }
  | { kind: 'liquidation'; market: string; exchangeTime?: number; side: 'buy' | 'sell'; price: string; size: string }
  /** A subscription ack (or any request's success). */
  | { kind: 'ack'; id?: string | number }
  /** An error reply, for one stream when `market` is known. */
  | { kind: 'error'; code: TwCode; message: string; market?: string; channel?: Channel; id?: string | number }
  | { kind: 'pong' }
  /** `reply`: a message the exchange requires in answer (Deribit `test_request` → `public/test`). */
  | { kind: 'heartbeat'; market?: string; reply?: string }
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

export interface AdapterContext {
  /** Book depth to subscribe, where the exchange has a choice. */
  bookDepth: number;
  instruments: ReadonlyMap<string, Instrument>;
  /**
   * The pipeline's clock in epoch ms (live: the wall clock; in a replay: the recording's), for requests that carry
   * the time (Gate's `time`), so that a replay sends exactly what was recorded.
   */
  nowMs?: () => number;
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
  /** The channels this exchange offers; the others are refused before subscribing. Default: ticker, book, trades. */
  readonly channels?: readonly Channel[];
  /**
   * Channels of this exchange served by a second adapter of the same exchange id on another WebSocket path (Binance
   * USD-M: `derivative` and `liquidations` only on `/market`, docs/protocols/binance.md#derivative-data). The hub runs
   * it as a second runtime sharing this one's REST scheduler; its events carry the same exchange id.
   */
  readonly companion?: {
    /** Names its connections (`binance-futures#market-1`). */
    readonly name: string;
    readonly channels: readonly Channel[];
    readonly adapter: ExchangeAdapter;
  };
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
  /**
   * A parser with its own working state, for an adapter whose parsing keeps some between frames (a scanner's buffers,
   * Binance): the runtime makes one and parses every frame with it. The same messages as `parse`; adapters without
   * it are parsed with `parse`. State lives in the parser, never in the adapter's module.
   */
  newParser?(opts?: ParserOptions): FrameParser;
  readonly book: BookRules;
  /**
   * Derivative fields the exchange gives only over REST (Binance open interest): the request polling one market's
   * value for channel `derivative`, at the configured `openInterestIntervalMs` (src/pipeline/rest-poller.ts).
   */
  pollRequest?(market: string): RestRequest;
  /** The polled body → `derivative` messages. Pure; throws on an error body or one it cannot read. */
  parsePoll?(body: string): WireMessage[];
}

/** What a runtime gives the parser it makes. */
export interface ParserOptions {
  /** Record where the level arrays of a frame lie in its bytes, for a sink that copies them (level-spans.ts). */
  levelSpans?: LevelSpans | undefined;
}

/** Parses frames like `ExchangeAdapter.parse`, keeping its working state (see `ExchangeAdapter.newParser`). */
export interface FrameParser {
  parse(frame: string, ctx: AdapterContext, bytes?: Uint8Array): WireMessage[];
}
