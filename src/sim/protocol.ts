/**
 * What an exchange's protocol implements for the simulator's server framework (./server.ts; how to write one: the
 * comment at its top), and the REST request/response and burst types the two exchange.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ExchangeId } from '../schema/events.js';
import type { SimConnection } from './sim-connection.js';
import type { SimServer } from './server.js';
import type { SimBook, SimDerivative, SimFault, SimLiquidation, SimSymbolSpec } from './types.js';

/**
 * The options `startSim` passes to every protocol factory (src/sim/index.ts `PROTOCOLS`): the shared symbols and
 * seed, and the cadences and limits a caller may set; each protocol reads the ones it has and applies its own defaults.
 */
export interface SimProtocolOptions {
  seed: number;
  symbols: SimSymbolSpec[];
  levels?: number | undefined;
  intervalMs?: number | undefined;
  pingIntervalMs?: number | undefined;
  tradeIntervalMs?: number | undefined;
  tickerIntervalMs?: number | undefined;
  historySize?: number | undefined;
  fundingPeriodMs?: number | undefined;
  markPriceIntervalMs?: number | undefined;
  restWeightLimit?: number | undefined;
  restMidEventRatio?: number | undefined;
  closeWithoutHeartbeatsMs?: number | undefined;
}

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Path with query, as received. */
  url: string;
}

export interface RestResponse {
  status: number;
  /** Objects are JSON-encoded. */
  body: string | object;
  headers?: Record<string, string>;
}

export interface BurstOptions {
  /** Unified symbols (default: all). */
  symbols?: string[];
  /** Number of diffs in total, spread round-robin over the symbols. */
  diffs: number;
}

export interface BurstResult {
  diffs: number;
  /** Frames written (all connections). */
  frames: number;
  /** Payload bytes (all connections). */
  bytes: number;
  /** Generating, rendering and pre-framing (protocols with `burstProducer`). */
  produceMs?: number;
  /** Writing to the sockets, bounded by the clients' reading under backpressure (protocols with `burstProducer`). */
  writeMs?: number;
  ms: number;
}

/** A burst generated and pre-framed, not yet written; data timers are suspended until `send()` or `cancel()`. */
export interface PreparedBurst {
  diffs: number;
  frames: number;
  bytes: number;
  produceMs: number;
  send(): Promise<BurstResult>;
  cancel(): void;
}

/** What a protocol implements; see the comment at the top of ./server.ts. */
export interface SimProtocol {
  readonly exchange: ExchangeId;
  /** WebSocket ping frame period (ms); 0 = none. */
  readonly pingIntervalMs: number;
  /** Incoming messages allowed per second per connection (text + client pings + unsolicited pongs); 0 = no limit. */
  readonly maxIncomingPerSec: number;
  /** Called once when the server is listening. */
  start(server: SimServer): void;
  /** Accept a WebSocket upgrade on this URL (path + query)? */
  acceptUpgrade(url: URL): boolean;
  onOpen(conn: SimConnection, url: URL): void;
  onMessage(conn: SimConnection, text: string): void;
  handleRest(req: RestRequest): RestResponse | Promise<RestResponse>;
  restFaultResponse(fault: SimFault): RestResponse;
  /** The unified symbol a topic carries, undefined if none/unknown. */
  topicSymbol(topic: string): string | undefined;
  shutdownNotice(conn: SimConnection): void;
  /** The true book after the last emitted update, in the exchange's wire format and ids. */
  trueBook(symbol: string): SimBook | undefined;
  /** The true book at the exchange's update id, when still in history. */
  trueBookAt(symbol: string, updateId: number): SimBook | undefined;
  /** Derivative states and liquidations published for a symbol, where the protocol has them (sim/derivatives.ts). */
  published?(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] };
  /** Send `opts.diffs` diffs as fast as the sockets accept (usually `server.burst(producer)`). */
  burst(opts: BurstOptions): Promise<BurstResult>;
  /**
   * Optional: a producer for `SimServer.prepareBurst` that emits `opts.diffs` diffs and returns how many; enables
   * `Simulator.prepareBurst` (benchmarks time the send alone).
   */
  burstProducer?(opts: BurstOptions): () => number;
  /** Exchange-specific faults; return true when handled. */
  applyFault?(fault: SimFault): boolean;
}
