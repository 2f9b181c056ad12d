/**
 * The built-in exchange simulator: `startSim(options)` starts one loopback protocol server (HTTP + WebSocket) per
 * exchange, each over its own seeded `SimMarket`, and returns a `Simulator` handle for tests, benchmarks and the
 * `tickwire sim` command. Adding a protocol: see the comment at the top of ./server.ts, then add a line to
 * `PROTOCOLS` below.
 */
import type { ExchangeId } from '../schema/events.js';
import { coinbaseExchangeProtocol } from './coinbase-exchange-server.js';
import { coinbaseProtocol } from './coinbase-server.js';
import { binanceDeliveryProtocol, binanceFuturesProtocol, binanceSpotProtocol } from './binance-server.js';
import { krakenProtocol } from './kraken-server.js';
import { bybitLinearProtocol, bybitSpotProtocol } from './bybit-server.js';
import { okxProtocolFor } from './okx-server.js';
import { deribitProtocol } from './deribit-server.js';
import { gateioProtocol } from './gateio-server.js';
import { SimLog, SimServer, type BurstOptions, type BurstResult, type PreparedBurst, type SimProtocol, type SimProtocolOptions } from './server.js';
import { resolveSpecs } from './symbols.js';
import type { SimBook, SimDerivative, SimFault, SimLiquidation, SimLogEntry, SimSymbolSpec } from './types.js';

export interface SimOptions {
  /** Exchanges to serve. Default: every exchange with a protocol (see `PROTOCOLS`). */
  exchanges?: ExchangeId[];
  /** Default 1. Same seed → same markets. */
  seed?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Port per exchange; 0 or absent = any free port. */
  ports?: Partial<Record<ExchangeId, number>>;
  /** Unified symbols or full specs. Default BTC/USDT, ETH/USDT, SOL/USDT, BNB/USDT, XRP/USDT. */
  symbols?: (string | SimSymbolSpec)[];
  /** Diff cadence per symbol (ms). Default 100. */
  intervalMs?: number;
  /** WebSocket ping period (ms). Default: the exchange's own (Binance 20 s, futures 180 s). */
  pingIntervalMs?: number;
  /** Trade cadence per symbol (ms). Default 250. */
  tradeIntervalMs?: number;
  /** 24 h ticker cadence (ms). Default 1000. */
  tickerIntervalMs?: number;
  /** Book levels per side (the whole true book; within REST depth). Default 1000. */
  levels?: number;
  /** Changes kept per symbol for `trueBookAt`. Default 50 000. */
  historySize?: number;
  /** REST weight budget per minute (Binance). Default: the exchange's. */
  restWeightLimit?: number;
  /** Share of REST snapshots taken partway into the next event. Default 0.5. */
  restMidEventRatio?: number;
  /** Enforce the exchange's incoming message rate per connection (close 1008 when over). Default true. */
  enforceMessageRate?: boolean;
  /** Delay between a shutdown notice and the close. Default 100 ms. */
  shutdownCloseDelayMs?: number;
  /** Max log entries kept. Default 200 000. */
  logLimit?: number;
  /** Funding period of the simulated perpetuals (ms); every period the funding rate changes. Default 8 h. */
  fundingPeriodMs?: number;
  /** Binance COIN-M: cadence of `@markPrice@1s` and of the `@forceOrder` snapshots (ms). Default 1000. */
  markPriceIntervalMs?: number;
  /** Coinbase Advanced Trade: data channels close after this long without heartbeats (ms). Default 75 000. */
  closeWithoutHeartbeatsMs?: number;
}

export interface SimEndpoint {
  /** e.g. `ws://127.0.0.1:9443` */
  ws: string;
  /** e.g. `http://127.0.0.1:9443` */
  rest: string;
}

export interface Simulator {
  readonly endpoints: Partial<Record<ExchangeId, SimEndpoint>>;
  /** Exchanges being served. */
  readonly exchanges: ExchangeId[];
  /** The true book after the last emitted update, in the exchange's wire format and ids. */
  trueBook(exchange: ExchangeId, symbol: string): SimBook | undefined;
  /** The true book at an exchange update id (undefined when outside the kept history or not yet emitted). */
  trueBookAt(exchange: ExchangeId, symbol: string, updateId: number): SimBook | undefined;
  fault(exchange: ExchangeId, fault: SimFault): void;
  /** The derivative states and liquidations published for a symbol (perpetual protocols; empty elsewhere). */
  published(exchange: ExchangeId, symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] };
  /** Remove one lasting fault added with `fault` (the same object), leaving the others on. */
  removeFault(exchange: ExchangeId, fault: SimFault): void;
  /** Unified symbols served by every exchange. */
  readonly symbols: readonly string[];
  /** Clear the faults of one exchange, or of all. */
  clearFaults(exchange?: ExchangeId): void;
  /** Every request and frame received, plus control frames sent. */
  readonly log: readonly SimLogEntry[];
  entries(exchange?: ExchangeId): SimLogEntry[];
  /** Open WebSocket connections per exchange. */
  connectionCount(exchange: ExchangeId): number;
  /** Markets stop evolving and data stops; pings and REST go on. */
  pause(): void;
  resume(): void;
  /** Send `diffs` book diffs as fast as the sockets accept (pre-rendered, backpressured); resolves when written. */
  burst(exchange: ExchangeId, opts: BurstOptions): Promise<BurstResult>;
  /**
   * Generate and pre-frame a burst for the current subscribers without sending it (benchmarks time `send()`
   * alone). Data timers of that exchange stay suspended until `send()` or `cancel()`.
   */
  prepareBurst(exchange: ExchangeId, opts: BurstOptions): PreparedBurst;
  close(): Promise<void>;
}

type ProtocolFactory = (opts: SimProtocolOptions) => SimProtocol;

/**
 * The simulator's protocol server for every exchange, total over `EXCHANGE_IDS`: an exchange without a simulator is
 * a compile error. A new exchange adds its line here.
 */
export const PROTOCOLS: Record<ExchangeId, ProtocolFactory> = {
  binance: binanceSpotProtocol,
  'binance-futures': binanceFuturesProtocol,
  'binance-delivery': binanceDeliveryProtocol,
  coinbase: coinbaseProtocol,
  'coinbase-exchange': coinbaseExchangeProtocol,
  kraken: krakenProtocol,
  bybit: bybitSpotProtocol,
  'bybit-linear': bybitLinearProtocol,
  okx: okxProtocolFor('okx'),
  'okx-swap': okxProtocolFor('okx-swap'),
  deribit: deribitProtocol,
  gateio: gateioProtocol,
};

export async function startSim(options: SimOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const exchanges = options.exchanges ?? (Object.keys(PROTOCOLS) as ExchangeId[]);
  const log = new SimLog(options.logLimit);
  const specs = resolveSpecs(options.symbols);
  const servers = new Map<ExchangeId, SimServer>();
  try {
    for (const ex of exchanges) {
      const factory = PROTOCOLS[ex];
      // options.exchanges may come from user input (`tickwire sim --exchange`), typed or not
      if (!factory) throw new Error(`sim: no simulator protocol for exchange ${ex}`);
      const protocolOptions: SimProtocolOptions = {
        closeWithoutHeartbeatsMs: options.closeWithoutHeartbeatsMs,
        seed: options.seed ?? 1,
        symbols: specs,
        levels: options.levels,
        intervalMs: options.intervalMs,
        pingIntervalMs: options.pingIntervalMs,
        tradeIntervalMs: options.tradeIntervalMs,
        tickerIntervalMs: options.tickerIntervalMs,
        restWeightLimit: options.restWeightLimit,
        restMidEventRatio: options.restMidEventRatio,
        historySize: options.historySize,
        fundingPeriodMs: options.fundingPeriodMs,
        markPriceIntervalMs: options.markPriceIntervalMs,
      };
      const protocol = factory(protocolOptions);
      const server = new SimServer(protocol, {
        host,
        port: options.ports?.[ex] ?? 0,
        log,
        shutdownCloseDelayMs: options.shutdownCloseDelayMs,
        enforceMessageRate: options.enforceMessageRate,
        symbols: specs.map((sp) => sp.symbol),
      });
      servers.set(ex, server);
      await server.listen();
    }
  } catch (err) {
    await Promise.all([...servers.values()].map((s) => s.close()));
    throw err;
  }
  const get = (ex: ExchangeId): SimServer => {
    const s = servers.get(ex);
    if (!s) throw new Error(`sim: exchange ${ex} is not being simulated`);
    return s;
  };
  const endpoints: Partial<Record<ExchangeId, SimEndpoint>> = {};
  for (const [ex, s] of servers) endpoints[ex] = { ws: s.wsOrigin, rest: s.restOrigin };
  return {
    endpoints,
    exchanges: [...servers.keys()],
    trueBook: (ex, symbol) => get(ex).protocol.trueBook(symbol),
    trueBookAt: (ex, symbol, id) => get(ex).protocol.trueBookAt(symbol, id),
    fault: (ex, f) => get(ex).fault(f),
    published: (ex, symbol) => get(ex).protocol.published?.(symbol) ?? { derivatives: [], liquidations: [] },
    removeFault: (ex, f) => get(ex).removeFault(f),
    symbols: specs.map((sp) => sp.symbol),
    clearFaults: (ex) => {
      for (const [e, s] of servers) if (ex === undefined || e === ex) s.clearFaults();
    },
    get log() {
      return log.entries();
    },
    entries: (ex) => log.entries().filter((e) => ex === undefined || e.exchange === ex),
    connectionCount: (ex) => get(ex).connections.size,
    pause: () => servers.forEach((s) => s.pause()),
    resume: () => servers.forEach((s) => s.resume()),
    burst: (ex, opts) => get(ex).protocol.burst(opts),
    prepareBurst: (ex, opts) => {
      const s = get(ex);
      if (!s.protocol.burstProducer) throw new Error(`sim: ${ex} has no burstProducer (use burst)`);
      return s.prepareBurst(s.protocol.burstProducer(opts));
    },
    close: async () => {
      await Promise.all([...servers.values()].map((s) => s.close()));
    },
  };
}

/** `--endpoint binance=ws://127.0.0.1:9443,http://127.0.0.1:9443` for a running simulator. */
export function simEndpointArgs(sim: Simulator): string {
  return sim.exchanges
    .map((ex) => {
      const e = sim.endpoints[ex];
      return e ? `--endpoint ${ex}=${e.ws},${e.rest}` : '';
    })
    .filter(Boolean)
    .join(' ');
}

export interface SimCliOptions {
  exchange?: ExchangeId | ExchangeId[];
  port?: number;
  seed?: number;
  host?: string;
  symbols?: string[];
}

/**
 * For `tickwire sim --exchange binance --port 9443 [--seed N]`: starts the simulator and returns it with the
 * ready-to-paste `--endpoint …` line. With several exchanges, the first gets `port` and the next ones port+1, …
 */
export async function runSimCommand(opts: SimCliOptions = {}): Promise<{ sim: Simulator; endpointLine: string }> {
  const exchanges = opts.exchange === undefined ? ['binance' as const] : Array.isArray(opts.exchange) ? opts.exchange : [opts.exchange];
  const ports: Partial<Record<ExchangeId, number>> = {};
  exchanges.forEach((ex, i) => {
    ports[ex] = opts.port === undefined || opts.port === 0 ? 0 : opts.port + i;
  });
  const sim = await startSim({ exchanges, ports, seed: opts.seed, host: opts.host, symbols: opts.symbols });
  return { sim, endpointLine: simEndpointArgs(sim) };
}

export { SimMarket } from './market.js';
export type { BurstOptions, BurstResult, PreparedBurst } from './server.js';
export type { SimBook, SimDerivative, SimDiff, SimFault, SimLiquidation, SimLogEntry, SimSymbolSpec, SimTrade } from './types.js';
