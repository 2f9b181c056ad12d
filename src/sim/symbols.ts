/** Default simulated instruments and the helpers that turn a symbol list into `SimSymbolSpec`s. */
import type { SimSymbolSpec } from './types.js';

export const DEFAULT_SPECS: readonly SimSymbolSpec[] = [
  { symbol: 'BTC/USDT', mid: '30000.00', tickDecimals: 2, lotDecimals: 5 },
  { symbol: 'ETH/USDT', mid: '2000.00', tickDecimals: 2, lotDecimals: 4 },
  { symbol: 'SOL/USDT', mid: '100.00', tickDecimals: 2, lotDecimals: 3 },
  { symbol: 'BNB/USDT', mid: '300.00', tickDecimals: 2, lotDecimals: 3 },
  { symbol: 'XRP/USDT', mid: '0.5000', tickDecimals: 4, lotDecimals: 1 },
];

/**
 * A symbol given by name gets its default spec, or that of a default with the same base (`BTC/USD` trades like
 * `BTC/USDT`), or a generic one (mid 100.00, 2 tick / 3 lot decimals).
 */
export function resolveSpecs(symbols: readonly (string | SimSymbolSpec)[] | undefined): SimSymbolSpec[] {
  if (!symbols || symbols.length === 0) return [...DEFAULT_SPECS];
  return symbols.map((s) => {
    if (typeof s !== 'string') return s;
    const known = DEFAULT_SPECS.find((d) => d.symbol === s);
    if (known) return known;
    const base = splitUnified(s).base;
    const sameBase = DEFAULT_SPECS.find((d) => splitUnified(d.symbol).base === base);
    return sameBase ? { ...sameBase, symbol: s } : { symbol: s, mid: '100.00', tickDecimals: 2, lotDecimals: 3 };
  });
}

/** `BTC/USDT` → { base: 'BTC', quote: 'USDT' }. */
export function splitUnified(symbol: string): { base: string; quote: string } {
  const [base = symbol, quote = ''] = symbol.split('/');
  return { base, quote };
}

/**
 * The unified symbols a simulator started for these market references (`exchange:SYMBOL`) lists: each unified one
 * (`BTC/USDT`; a settle form `BTC/USDT:USDT` lists `BTC/USDT`), and — when a reference is a native id the simulator
 * cannot read (`binance:BTCUSDT`) — the default symbols plus `BTC/USD` and `ETH/USD` as well, so the id resolves
 * against the simulator's instrument list like any other.
 */
export function simSymbolsFor(refs: readonly string[]): string[] {
  const out = new Set<string>();
  let native = false;
  for (const ref of refs) {
    const symbol = ref.slice(ref.indexOf(':') + 1).toUpperCase();
    const colon = symbol.indexOf(':');
    const head = colon === -1 ? symbol : symbol.slice(0, colon);
    if (/^[A-Z0-9._]+\/[A-Z0-9._]+$/.test(head)) out.add(head);
    else native = true;
  }
  if (native) for (const s of [...DEFAULT_SPECS.map((d) => d.symbol), 'BTC/USD', 'ETH/USD']) out.add(s);
  return [...out];
}
