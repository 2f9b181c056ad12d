/** Small deterministic helpers for the simulator: a seeded PRNG and fixed-decimal integer formatting. */

/** mulberry32: a fast 32-bit seeded PRNG returning floats in [0, 1). Same seed → same sequence. */
export { mulberry32 } from '../util/prng.js';

/** FNV-1a hash of a string, used to derive independent per-symbol / per-exchange seeds from one seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Derive a sub-seed from a seed and a label. */
export function subSeed(seed: number, label: string): number {
  return (hashString(label) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
}

/** Integer count of 10^-decimals units → fixed-decimal string: (123, 2) → "1.23", (5, 0) → "5". */
export function formatFixed(units: number | bigint, decimals: number): string {
  const neg = units < 0;
  let s = (neg ? -units : units).toString();
  if (decimals > 0) {
    if (s.length <= decimals) s = '0'.repeat(decimals - s.length + 1) + s;
    s = `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  }
  return neg ? `-${s}` : s;
}

/** Fixed-decimal string → integer count of 10^-decimals units (exact; extra digits must be zeros). */
export function parseFixed(text: string, decimals: number): number {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`not a non-negative decimal: ${text}`);
  const frac = (m[2] ?? '').padEnd(decimals, '0');
  if (frac.length > decimals && !/^0*$/.test(frac.slice(decimals))) {
    throw new Error(`${text} has more than ${decimals} decimals`);
  }
  return Number(m[1]) * 10 ** decimals + Number(frac.slice(0, decimals) || '0');
}

/** Right-pad a fixed-decimal string with zeros to `decimals` (wire formats such as Binance spot's 8 decimals). */
export function padDecimals(text: string, decimals: number): string {
  const dot = text.indexOf('.');
  const have = dot < 0 ? 0 : text.length - dot - 1;
  if (have >= decimals) return text;
  return (dot < 0 ? `${text}.` : text) + '0'.repeat(decimals - have);
}
