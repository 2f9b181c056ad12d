/**
 * One scenario per matrix row (test/faults/matrix.json): how the fault is injected, which books it may touch (the
 * blast radius) and which status codes name it. The runner (./runner.ts) does the rest identically for every cell.
 *
 * Markets: BTC/USDT, ETH/USDT, SOL/USDT at 2 symbols per connection → [BTC, ETH] on one connection, [SOL] on
 * another. Symbol faults hit BTC (ETH, on the same connection, and SOL must stay live); connection faults hit SOL's
 * connection (BTC and ETH must stay live).
 */
import type { TwCode } from '../../src/errors.js';
import type { ExchangeId, MarketEvent } from '../../src/schema/events.js';
import type { Simulator } from '../../src/sim/index.js';
import type { SimFault } from '../../src/sim/types.js';
import type { Consumer } from '../helpers/harness.js';

export const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];

/**
 * The market standing in for each of SYMBOLS on a column whose exchange lists no BTC/USDT (Deribit: its inverse
 * perpetuals and a linear one); the simulator serves these symbols for that column.
 */
const COLUMN_SYMBOLS: Partial<Record<ExchangeId, Readonly<Record<string, string>>>> = {
  deribit: { 'BTC/USDT': 'BTC/USD:BTC', 'ETH/USDT': 'ETH/USD:ETH', 'SOL/USDT': 'SOL/USDC:USDC' },
  // Binance COIN-M: two perpetuals and a quarterly
  'binance-delivery': { 'BTC/USDT': 'BTC/USD', 'ETH/USDT': 'ETH/USD', 'SOL/USDT': 'SOL/USD-270326' },
};
export const symbolOn = (ex: ExchangeId, symbol: string): string => COLUMN_SYMBOLS[ex]?.[symbol] ?? symbol;
/** The simulator's symbols for a column with its own markets, undefined for the default ones. */
export const simSymbolsFor = (ex: ExchangeId): string[] | undefined => (COLUMN_SYMBOLS[ex] ? SYMBOLS.map((s) => symbolOn(ex, s)) : undefined);

/**
 * The books a fault aimed at `hit` may touch on `ex`: Coinbase Advanced Trade proves continuity per connection
 * (`sequence_num`), so a hole in one book's data resyncs every book of its connection.
 */
export function blastRadius(ex: ExchangeId, hit: string[]): string[] {
  return ex === 'coinbase' && hit.includes('BTC/USDT') && !hit.includes('ETH/USDT') ? [...hit, 'ETH/USDT'] : hit;
}

export interface Scenario {
  /** Before the consumer subscribes (first-subscribe and REST faults). */
  before?: (sim: Simulator, ex: ExchangeId) => void;
  /** After every book is live. */
  inject?: (c: Consumer, ex: ExchangeId, inject: (f: SimFault) => Promise<void>) => Promise<void>;
  /** Books the fault may touch (the others must stay live, without a hole in seq). */
  hit: string[];
  /** A status naming the fault has one of these codes (stream-scoped for a hit book, or connection-scoped). */
  codes: TwCode[];
  /** Also subscribe these (e.g. an invalid symbol). */
  extraMarkets?: string[];
  /** Symbol of the stream status expected (default: any hit book, or any connection status). */
  statusSymbol?: string;
  /** Clear the fault once its status was seen (lasting faults). Default true. */
  clearAfterStatus?: boolean;
  /** REST rows: the next REST request must wait this long after the faulted one (ms). */
  retryAfterMs?: number;
  /** REST rows: the status `from` is 0 (the fault fires while starting). */
  fromStart?: boolean;
}

const BTC = 'BTC/USDT';
const SOL = 'SOL/USDT';

/** Wait for `n` further book deltas of `symbol` (an event-driven clock: no sleeps). */
export async function deltas(c: Consumer, ex: ExchangeId, symbol: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await c.waitFor((e: MarketEvent) => e.type === 'book_delta' && e.exchange === ex && e.symbol === symbolOn(ex, symbol), `delta of ${symbol}`);
  }
}

const ERROR_FAULT: Partial<Record<ExchangeId, string>> = {
  coinbase: 'error-reply',
  'coinbase-exchange': 'error-reply',
  kraken: 'kraken-reject',
  bybit: 'bybit-error-reply',
  'bybit-linear': 'bybit-error-reply',
  okx: 'okx-error',
  'okx-swap': 'okx-error',
  deribit: 'deribit-error',
  gateio: 'gateio-error',
};
/** A transient-looking refusal where the simulator has one (OKX 60014, Coinbase without naming a product). */
const errorFault = (ex: ExchangeId, symbol: string): SimFault => {
  const kind = ERROR_FAULT[ex] ?? 'error-reply';
  if (kind === 'okx-error') return { kind, symbol, code: '60014', count: 1 };
  // Coinbase's refusal aims at connections already carrying `symbol`: without one it refuses the next subscribe
  if (kind === 'error-reply') return { kind, message: 'Failed to subscribe', reason: `sim: try again later (${symbol})` };
  return { kind, symbol: symbolOn(ex, symbol) };
};
const ERROR_CODES: TwCode[] = ['TW_ERR_EXCHANGE_ERROR', 'TW_ERR_UNKNOWN_SYMBOL'];

const CHECKSUM_FAULT: Partial<Record<ExchangeId, string>> = { kraken: 'kraken-bad-checksum', okx: 'okx-bad-checksum', 'okx-swap': 'okx-bad-checksum' };
const CHAIN_FAULT: Partial<Record<ExchangeId, string>> = {
  okx: 'okx-broken-prev',
  'okx-swap': 'okx-broken-prev',
  bybit: 'bybit-u-decrease',
  'bybit-linear': 'bybit-u-decrease',
  deribit: 'deribit-broken-prev',
  gateio: 'gateio-chain-break',
};

const RESYNC: TwCode[] = ['TW_ERR_SEQUENCE_GAP', 'TW_ERR_CHECKSUM', 'TW_ERR_MALFORMED_FRAME'];

function rest(fault: SimFault, codes: TwCode[], retryAfterMs?: number): Scenario {
  return { before: (sim, ex) => sim.fault(ex, fault), hit: SYMBOLS, codes, fromStart: true, clearAfterStatus: false, ...(retryAfterMs ? { retryAfterMs } : {}) };
}

export const SCENARIOS: Record<string, Scenario> = {
  drop: { inject: async (_c, _ex, f) => f({ kind: 'drop-diff', symbol: BTC, count: 2 }), hit: [BTC], codes: RESYNC, clearAfterStatus: false },
  'garbage-diff': { inject: async (_c, _ex, f) => f({ kind: 'garbage-diff', symbol: BTC }), hit: [BTC], codes: RESYNC, clearAfterStatus: false },
  'garbage-frame': {
    inject: async (_c, _ex, f) => f({ kind: 'garbage-frame', symbol: BTC }),
    hit: [BTC, 'ETH/USDT'],
    codes: ['TW_ERR_MALFORMED_FRAME'],
    clearAfterStatus: false,
  },
  'silence-short': {
    // BTC's data stops while ETH (same connection) goes on, until 1.3 s have passed — longer than --book-pause
    // (1 s), well short of the runner's 4 s no-data timeout. A feed without per-book proof cannot tell a shorter
    // pause from a quiet market: --book-pause is that bound (README, docs/protocols).
    inject: async (c, ex, f) => {
      await f({ kind: 'black-hole', symbol: BTC });
      const t0 = Date.now();
      while (Date.now() - t0 < 1_300) await deltas(c, ex, 'ETH/USDT', 1);
      c.sim.clearFaults(ex);
    },
    hit: [BTC],
    codes: [...RESYNC, 'TW_ERR_NO_DATA'],
  },
  'silence-long': { inject: async (_c, _ex, f) => f({ kind: 'black-hole', symbol: BTC }), hit: [BTC], codes: ['TW_ERR_NO_DATA'] },
  'conn-silence': { inject: async (_c, _ex, f) => f({ kind: 'silence', symbol: SOL }), hit: [SOL], codes: ['TW_ERR_NO_DATA', 'TW_ERR_STALE'] },
  'stop-all': { inject: async (_c, _ex, f) => f({ kind: 'stop-all', symbol: SOL }), hit: [SOL], codes: ['TW_ERR_STALE', 'TW_ERR_NO_DATA'] },
  close: { inject: async (_c, _ex, f) => f({ kind: 'close', symbol: SOL, code: 1001, reason: 'going away' }), hit: [SOL], codes: ['TW_ERR_RECONNECTED', 'TW_ERR_SOCKET_CLOSED'], clearAfterStatus: false },
  shutdown: { inject: async (_c, _ex, f) => f({ kind: 'server-shutdown', symbol: SOL }), hit: [SOL], codes: ['TW_ERR_SERVER_SHUTDOWN'], clearAfterStatus: false },
  checksum: { inject: async (_c, ex, f) => f({ kind: CHECKSUM_FAULT[ex] ?? 'none', symbol: BTC }), hit: [BTC], codes: ['TW_ERR_CHECKSUM'], clearAfterStatus: false },
  'chain-break': { inject: async (_c, ex, f) => f({ kind: CHAIN_FAULT[ex] ?? 'none', symbol: BTC }), hit: [BTC], codes: ['TW_ERR_SEQUENCE_GAP'], clearAfterStatus: false },
  'seq-gap': { inject: async (_c, _ex, f) => f({ kind: 'sequence-gap', symbol: SOL }), hit: [SOL], codes: ['TW_ERR_SEQUENCE_GAP'], clearAfterStatus: false },
  'error-first': { before: (sim, ex) => sim.fault(ex, errorFault(ex, BTC)), hit: [BTC, 'ETH/USDT'], codes: ERROR_CODES, fromStart: true },
  'error-resub': {
    inject: async (_c, ex, f) => {
      await f(errorFault(ex, SOL));
      await f({ kind: 'close', symbol: SOL, code: 1001, reason: 'going away' });
    },
    hit: [SOL],
    codes: ERROR_CODES,
  },
  'rest-429': rest({ kind: 'rest-429', retryAfterSec: 1 }, ['TW_ERR_REST_RATE_LIMIT'], 1000),
  'rest-429-bare': rest({ kind: 'rest-429', retryAfter: false }, ['TW_ERR_REST_RATE_LIMIT']),
  'rest-ban': rest({ kind: 'rest-418', retryAfterSec: 1 }, ['TW_ERR_REST_RATE_LIMIT'], 1000),
  'rest-ban-bare': rest({ kind: 'rest-418', retryAfter: false }, ['TW_ERR_REST_RATE_LIMIT']),
  'rest-5xx': rest({ kind: 'rest-500' }, ['TW_ERR_REST_HTTP']),
  'rest-slow': rest({ kind: 'rest-slow', delayMs: 2_500, count: 1 }, ['TW_ERR_REST_FAILED']),
  'invalid-symbol': { hit: [], codes: ['TW_ERR_UNKNOWN_SYMBOL'], extraMarkets: ['NOPE/USDT'], statusSymbol: 'NOPE/USDT', fromStart: true, clearAfterStatus: false },
  'cli-drop': { inject: async (_c, _ex, f) => f({ kind: 'drop-diff', symbol: BTC, count: 2 }), hit: [BTC], codes: RESYNC, clearAfterStatus: false },
};
