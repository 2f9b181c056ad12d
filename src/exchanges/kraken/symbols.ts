/**
 * Kraken symbols. v2 speaks `BTC/USD`, which is also tickwire's unified form. v1 and REST AssetPairs `wsname` use
 * legacy asset codes (`XBT/USD`, `XDG/USD`); users may type those too, so they are mapped to the v2 codes.
 */

/** Legacy Kraken asset codes → v2 / ISO codes. (`XDG` → `DOGE`: seen in third-party v2 captures, not in the docs.) */
const LEGACY: Readonly<Record<string, string>> = { XBT: 'BTC', XDG: 'DOGE' };

export function v2Asset(code: string): string {
  const up = code.toUpperCase();
  return LEGACY[up] ?? up;
}

/** `xbt/usd` → `BTC/USD`; `BTC-USD` and `BTC_USD` are accepted too. Anything without a separator is uppercased. */
export function toV2Symbol(symbol: string): string {
  const parts = symbol.trim().split(/[/\-_]/);
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return symbol.trim().toUpperCase();
  return `${v2Asset(parts[0]!)}/${v2Asset(parts[1]!)}`;
}
