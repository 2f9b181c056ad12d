/**
 * What every simulator protocol server repeats, for a protocol to extend (src/sim/gateio-server.ts,
 * src/sim/deribit-server.ts): one seeded `SimMarket` over the served symbols, the data timers (a book step, a trade
 * and a ticker per symbol, at the `startSim` cadences or the protocol's defaults), the truth (`trueBook`,
 * `trueBookAt`), `burst` through the same book step, derivative data where asked (`published`), the exchange's
 * one-shot faults, REST fault bodies, requests read as JSON objects, and data published to a topic only when it has
 * subscribers. The protocol keeps only its wire format: topics, frames, replies, REST paths. See ./server.ts for the
 * framework itself.
 */
import type { ExchangeId } from '../schema/events.js';
import { faultNumber } from './faults.js';
import { SimMarket } from './market.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimProtocolOptions, SimServer } from './server.js';
import { DEFAULT_FUNDING_PERIOD_MS, SimDerivatives } from './derivatives.js';
import type { SimBook, SimDerivative, SimFault, SimLiquidation, SimSymbolSpec } from './types.js';

/** The protocol's own defaults and faults. */
export interface MarketProtocolSetup {
  /** Book step period (ms) when `intervalMs` is not given, or always when `stepMs` computes it. */
  stepMs: number;
  tradeMs: number;
  tickerMs: number;
  /** Exchange faults that fire once unless a `count` is given. */
  oneShot: readonly string[];
  /** REST bodies of the `rest-429` and `rest-500` faults. */
  restErrors: { 429: string | object; 500: string | object };
  /** Mark, index, funding, open interest and liquidations of the symbols (./derivatives.ts). */
  derivatives?: boolean;
}

export abstract class MarketProtocol implements SimProtocol {
  abstract readonly exchange: ExchangeId;
  pingIntervalMs = 0;
  readonly maxIncomingPerSec: number = 0;
  readonly market: SimMarket;
  readonly specs: readonly SimSymbolSpec[];
  /** With `setup.derivatives`: what `published` reports. */
  protected readonly derivs: SimDerivatives | undefined;
  private current: SimServer | undefined;

  constructor(
    protected readonly opts: SimProtocolOptions,
    private readonly setup: MarketProtocolSetup,
  ) {
    this.specs = opts.symbols;
    this.market = new SimMarket({ seed: opts.seed, symbols: this.specs, levels: opts.levels ?? 1000, historySize: opts.historySize ?? 50_000 });
    this.derivs = setup.derivatives ? new SimDerivatives(opts.seed, this.specs, opts.fundingPeriodMs ?? DEFAULT_FUNDING_PERIOD_MS) : undefined;
  }

  protected get server(): SimServer {
    if (this.current === undefined) throw new Error(`sim ${this.exchange}: not started`);
    return this.current;
  }

  start(server: SimServer): void {
    this.current = server;
    const each = (fn: (symbol: string) => void) => () => this.specs.forEach((s) => fn(s.symbol));
    server.every(this.setup.stepMs, each((s) => this.step(s, false)));
    server.every(this.opts.tradeIntervalMs ?? this.setup.tradeMs, each((s) => this.trade(s)));
    server.every(this.opts.tickerIntervalMs ?? this.setup.tickerMs, each((s) => this.ticker(s)));
  }

  /** One market step of `symbol` and the book frames due (all of them when `burst`). */
  protected abstract step(symbol: string, burst: boolean): void;
  protected abstract trade(symbol: string): void;
  protected abstract ticker(symbol: string): void;
  abstract acceptUpgrade(url: URL): boolean;
  abstract onMessage(conn: SimConnection, text: string): void;
  abstract handleRest(req: RestRequest): RestResponse | Promise<RestResponse>;
  abstract topicSymbol(topic: string): string | undefined;
  abstract shutdownNotice(conn: SimConnection): void;

  onOpen(_conn: SimConnection, _url: URL): void {}

  /** The market's symbol a caller's symbol names (a protocol with aliases overrides it). */
  protected resolve(symbol: string): string | undefined {
    return this.market.has(symbol) ? symbol : undefined;
  }

  /** Publish `render()` on `topic` when it has subscribers (rendered once); false when it has none. */
  protected publishTo(topic: string, symbol: string, render: () => string): boolean {
    if (!this.server.hasSubscribers(topic)) return false;
    const frame = render();
    this.server.publish(topic, symbol, () => frame);
    return true;
  }

  trueBook(symbol: string): SimBook | undefined {
    const s = this.resolve(symbol);
    return s === undefined ? undefined : this.market.book(s);
  }

  trueBookAt(symbol: string, updateId: number): SimBook | undefined {
    const s = this.resolve(symbol);
    return s === undefined ? undefined : this.market.bookAt(s, updateId);
  }

  published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
    const s = this.resolve(symbol);
    return s === undefined || this.derivs === undefined ? { derivatives: [], liquidations: [] } : this.derivs.published(s);
  }

  burst(opts: BurstOptions): Promise<BurstResult> {
    const symbols = (opts.symbols ?? this.specs.map((s) => s.symbol)).map((s) => this.resolve(s)).filter((s): s is string => s !== undefined);
    return this.server.burstRoundRobin(symbols, symbols.length === 0 ? 0 : opts.diffs, (s) => this.step(s, true));
  }

  applyFault(fault: SimFault): boolean {
    if (!this.setup.oneShot.includes(fault.kind) || faultNumber(fault, 'count') !== undefined) return false;
    this.server.faults.add({ ...fault, count: 1 });
    return true;
  }

  restFaultResponse(fault: SimFault): RestResponse {
    return fault.kind === 'rest-500' ? { status: 500, body: this.setup.restErrors[500] } : { status: 429, body: this.setup.restErrors[429] };
  }
}
