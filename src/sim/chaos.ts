/**
 * Chaos mode (`tickwire sim --chaos SECONDS [--seed N]`): every `seconds`, one random fault from the set that
 * applies to a random simulated exchange, aimed at a random symbol, reported through `onFault` (the CLI logs it on
 * stderr). Lasting faults (silence, stop-all) are removed again after `holdMs` (and on `stop()`). Deterministic per seed: the same
 * seed picks the same sequence of (exchange, fault) pairs.
 */
import type { ExchangeId } from '../schema/events.js';
import { faultKindsFor } from './fault-kinds.js';
import { mulberry32, subSeed } from './prng.js';
import type { SimFault } from './types.js';

/** What chaos needs of a simulator (a subset of `Simulator`). */
export interface ChaosTarget {
  readonly exchanges: readonly ExchangeId[];
  readonly symbols: readonly string[];
  fault(exchange: ExchangeId, fault: SimFault): void;
  removeFault(exchange: ExchangeId, fault: SimFault): void;
}

export interface ChaosOptions {
  /** Period between faults (s); fractions allowed. */
  seconds: number;
  seed: number;
  /** How long a lasting fault (silence, stop-all) holds. Default min(2 s, half the period). */
  holdMs?: number;
  onFault?: (exchange: ExchangeId, fault: SimFault, n: number) => void;
}

export interface Chaos {
  /** Faults injected so far. */
  readonly injected: number;
  stop(): void;
}

type Maker = (symbol: string, holdMs: number) => SimFault;

const GENERIC: readonly Maker[] = [
  (symbol) => ({ kind: 'drop-diff', symbol }),
  (symbol) => ({ kind: 'garbage-diff', symbol }),
  (symbol) => ({ kind: 'garbage-frame', symbol }),
  (symbol) => ({ kind: 'silence', symbol }),
  (symbol) => ({ kind: 'stop-all', symbol }),
  (symbol) => ({ kind: 'close', symbol }),
  (symbol) => ({ kind: 'server-shutdown', symbol }),
  () => ({ kind: 'rest-429' }),
  () => ({ kind: 'rest-418' }),
  () => ({ kind: 'rest-500' }),
  () => ({ kind: 'rest-slow', delayMs: 500, count: 1 }),
];

/**
 * Exchange-specific faults a correct client must detect (checksums, chain breaks, sequence gaps), total over
 * `EXCHANGE_IDS` so a new exchange has to say which of its own faults chaos injects (`[]`: the generic ones only).
 */
const SPECIFIC: Record<ExchangeId, readonly Maker[]> = {
  binance: [],
  'binance-futures': [],
  'binance-delivery': [],
  'coinbase-exchange': [],
  coinbase: [(symbol) => ({ kind: 'sequence-gap', symbol })],
  kraken: [(symbol) => ({ kind: 'kraken-bad-checksum', symbol })],
  okx: [(symbol) => ({ kind: 'okx-bad-checksum', symbol }), (symbol) => ({ kind: 'okx-broken-prev', symbol })],
  'okx-swap': [(symbol) => ({ kind: 'okx-bad-checksum', symbol }), (symbol) => ({ kind: 'okx-broken-prev', symbol })],
  bybit: [(symbol) => ({ kind: 'bybit-restart', symbol })],
  'bybit-linear': [(symbol) => ({ kind: 'bybit-restart', symbol })],
  deribit: [(symbol) => ({ kind: 'deribit-broken-prev', symbol })],
  gateio: [(symbol) => ({ kind: 'gateio-chain-break', symbol })],
};

/** The faults chaos picks from for `exchange` (one example each, aimed at `symbol`). */
export function chaosFaults(exchange: ExchangeId, symbol: string, holdMs = 2000): SimFault[] {
  const known = faultKindsFor(exchange); // a kind the exchange's server does not render is never picked
  return [...GENERIC, ...(SPECIFIC[exchange] ?? [])].map((m) => m(symbol, holdMs)).filter((f) => known.includes(f.kind));
}

const LASTING = new Set(['silence', 'stop-all']);

export function startChaos(target: ChaosTarget, opts: ChaosOptions): Chaos {
  if (!(opts.seconds > 0)) throw new Error('chaos: seconds must be > 0');
  if (target.exchanges.length === 0 || target.symbols.length === 0) throw new Error('chaos: nothing to inject faults into');
  const rand = mulberry32(subSeed(opts.seed, 'chaos'));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const holdMs = opts.holdMs ?? Math.min(2000, (opts.seconds * 1000) / 2);
  const pending = new Map<NodeJS.Timeout, () => void>();
  let injected = 0;
  const tick = (): void => {
    const exchange = pick(target.exchanges);
    const symbol = pick(target.symbols);
    const fault = pick(chaosFaults(exchange, symbol, holdMs));
    injected += 1;
    opts.onFault?.(exchange, fault, injected);
    target.fault(exchange, fault);
    if (LASTING.has(fault.kind)) {
      const end = (): void => target.removeFault(exchange, fault);
      const t = setTimeout(() => {
        pending.delete(t);
        end();
      }, holdMs);
      pending.set(t, end);
    }
  };
  const timer = setInterval(tick, opts.seconds * 1000);
  return {
    get injected() {
      return injected;
    },
    stop: () => {
      clearInterval(timer);
      for (const [t, end] of pending) {
        clearTimeout(t);
        end();
      }
      pending.clear();
    },
  };
}
