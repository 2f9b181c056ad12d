/**
 * The fault kinds each simulated exchange understands, and the validation of a fault received as JSON (the
 * `POST /_sim/fault` control endpoint and `tickwire sim --chaos`). Pure: no server state.
 */
import type { ExchangeId } from '../schema/events.js';
import type { SimFault } from './types.js';

/** Faults every protocol server handles (src/sim/server.ts and faults.ts). */
export const GENERIC_FAULT_KINDS = [
  'drop-diff',
  'garbage-diff',
  'garbage-frame',
  'silence',
  'stop-all',
  'close',
  'server-shutdown',
  'black-hole',
  'max-connection-age',
  'rest-429',
  'rest-418',
  'rest-500',
  'rest-slow',
] as const;

/** Exchange-specific faults (handled by the protocol's `applyFault` / frame rendering). */
export const EXCHANGE_FAULT_KINDS: Record<ExchangeId, readonly string[]> = {
  binance: [],
  'binance-futures': [],
  'binance-delivery': [],
  coinbase: ['sequence-gap', 'silent-drop', 'delete-absent', 'ghost-level', 'error-reply'],
  'coinbase-exchange': ['delete-absent', 'ghost-level', 'error-reply'],
  kraken: ['kraken-bad-checksum', 'kraken-reject'],
  bybit: ['bybit-restart', 'bybit-u-decrease', 'bybit-missing-snapshot', 'bybit-absent-deletes', 'bybit-error-reply'],
  'bybit-linear': ['bybit-restart', 'bybit-u-decrease', 'bybit-missing-snapshot', 'bybit-absent-deletes', 'bybit-error-reply'],
  okx: ['okx-bad-checksum', 'okx-broken-prev', 'okx-seq-reset', 'okx-keepalive', 'okx-error'],
  'okx-swap': ['okx-bad-checksum', 'okx-broken-prev', 'okx-seq-reset', 'okx-keepalive', 'okx-error'],
  deribit: ['deribit-broken-prev', 'deribit-error', 'deribit-no-heartbeat-close'],
  gateio: ['gateio-chain-break', 'gateio-error', 'gateio-full-push'],
};

/**
 * Generic kinds a server does not render, refused for it (queued, they would never act): the Coinbase servers send
 * no stray garbage frame (their `garbage-diff` is the malformed-frame fault there).
 */
const NOT_RENDERED: Partial<Record<ExchangeId, readonly string[]>> = {
  coinbase: ['garbage-frame'],
  'coinbase-exchange': ['garbage-frame'],
};

/** Kinds that must name a symbol (they act on one symbol's data). */
const NEEDS_SYMBOL = new Set(['drop-diff', 'garbage-diff', 'garbage-frame', 'black-hole', 'bybit-restart']);

export function faultKindsFor(exchange: ExchangeId): string[] {
  const not = NOT_RENDERED[exchange] ?? [];
  return [...GENERIC_FAULT_KINDS.filter((k) => !not.includes(k)), ...EXCHANGE_FAULT_KINDS[exchange]];
}

/** Numeric fields: [name, minimum, integer?]. */
const NUMBERS: ReadonlyArray<readonly [string, number, boolean]> = [
  ['count', 1, true],
  ['retryAfterSec', 0, true],
  ['delayMs', 0, false],
  ['seconds', 0, false],
  ['code', 1000, true],
];

export type ParsedFault = { fault: SimFault } | { error: string };

/**
 * Validate one fault for `exchange`: an object with a known `kind`, a `symbol` the simulator serves when one is
 * given (required for diff faults), numbers in range, `retryAfter: false` only on 429/418.
 */
export function parseFault(exchange: ExchangeId, input: unknown, symbols: readonly string[]): ParsedFault {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { error: 'the body must be one JSON object, e.g. {"kind":"garbage-diff","symbol":"BTC/USDT"}' };
  }
  const f = input as Record<string, unknown>;
  const kinds = faultKindsFor(exchange);
  if (typeof f['kind'] !== 'string' || !kinds.includes(f['kind'])) {
    return { error: `unknown fault kind ${JSON.stringify(f['kind'])} for ${exchange}; known: ${kinds.join(', ')}` };
  }
  const kind = f['kind'];
  const symbol = f['symbol'];
  if (symbol !== undefined && (typeof symbol !== 'string' || !symbols.includes(symbol))) {
    return { error: `unknown symbol ${JSON.stringify(symbol)}; the simulator serves ${symbols.join(', ')}` };
  }
  if (symbol === undefined && NEEDS_SYMBOL.has(kind)) return { error: `fault ${kind} needs a "symbol"` };
  if (kind.startsWith('rest-') && symbol !== undefined) return { error: `fault ${kind} acts on REST and takes no "symbol"` };
  for (const [name, min, integer] of NUMBERS) {
    const v = f[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      return { error: `"${name}" must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${JSON.stringify(v)}` };
    }
  }
  if (kind === 'rest-slow' && f['delayMs'] === undefined) return { error: 'fault rest-slow needs "delayMs"' };
  if (kind === 'max-connection-age' && f['seconds'] === undefined) return { error: 'fault max-connection-age needs "seconds"' };
  const retryAfter = f['retryAfter'];
  if (retryAfter !== undefined && (retryAfter !== false || (kind !== 'rest-429' && kind !== 'rest-418'))) {
    return { error: '"retryAfter": false (omit the Retry-After header) applies to rest-429 and rest-418 only' };
  }
  if (f['reason'] !== undefined && typeof f['reason'] !== 'string') return { error: '"reason" must be a string' };
  return { fault: f as SimFault };
}
