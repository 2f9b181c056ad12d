/** Display formatting of decimal strings (pure): the same values, aligned on the decimal point. */
import { trimDecimal } from './book.js';

/** Trailing zeros trimmed, then every value padded to the column's most decimals (value-preserving). */
export function alignDecimals(values: readonly string[]): string[] {
  const trimmed = values.map(trimDecimal);
  let decimals = 0;
  for (const v of trimmed) {
    const i = v.indexOf('.');
    if (i >= 0 && !/[eE]/.test(v)) decimals = Math.max(decimals, v.length - i - 1);
  }
  if (decimals === 0) return trimmed;
  return trimmed.map((v) => {
    if (/[eE]/.test(v)) return v;
    const i = v.indexOf('.');
    return i < 0 ? `${v}.${'0'.repeat(decimals)}` : v + '0'.repeat(decimals - (v.length - i - 1));
  });
}

/** `HH:MM:SS.mmm` local time of epoch microseconds. */
export function clockTime(micros: number): string {
  const d = new Date(micros / 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Cumulative totals: `1234.56` → `1,234.6`, `12.3` → `12.3000` (display only, never compared). */
export function compactNumber(n: number): string {
  const digits = n >= 1000 ? 1 : 4;
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
