/**
 * Options of the simulated Bybit servers: their own (`createBybitProtocol`), and the ones `startSim` passes to every
 * protocol factory, mapped onto them; the default symbols.
 */
import { subSeed } from './prng.js';
import type { BybitSimCategory } from './bybit-render.js';
import type { SimProtocolOptions } from './protocol.js';
import type { SimSymbolSpec } from './types.js';

export interface BybitServerOptions {
  category: BybitSimCategory;
  seed?: number;
  symbols?: readonly SimSymbolSpec[];
  /** Levels per side of the true book. Default 1000 (the deepest topic). */
  levels?: number;
  /** Book step period. Default 20 ms. */
  stepMs?: number;
  /** Trade period per symbol. Default 100 ms. */
  tradeMs?: number;
  /** Ticker push period. Default 100 ms. */
  tickerMs?: number;
  /** Level-1 re-push of an unchanged top. Default 3000 ms (Bybit's). */
  level1RepushMs?: number;
  /** Changes kept per symbol for `trueBookAt`. Default 50 000. */
  historySize?: number;
  /** Funding period (linear). Default 8 h. */
  fundingPeriodMs?: number;
}

export function fromCommon(category: BybitSimCategory, o: SimProtocolOptions): BybitServerOptions {
  return {
    category,
    seed: subSeed(o.seed, category === 'spot' ? 'bybit' : 'bybit-linear'),
    symbols: o.symbols,
    levels: o.levels,
    stepMs: o.intervalMs,
    tradeMs: o.tradeIntervalMs,
    tickerMs: o.tickerIntervalMs,
    historySize: o.historySize,
    ...(o.fundingPeriodMs !== undefined ? { fundingPeriodMs: o.fundingPeriodMs } : {}),
  };
}

export const BYBIT_DEFAULT_SYMBOLS: readonly SimSymbolSpec[] = [
  { symbol: 'BTC/USDT', mid: '30000.00', tickDecimals: 2, lotDecimals: 3 },
  { symbol: 'ETH/USDT', mid: '2000.00', tickDecimals: 2, lotDecimals: 2 },
  { symbol: 'XRP/USDT', mid: '0.5000', tickDecimals: 4, lotDecimals: 0 },
];
