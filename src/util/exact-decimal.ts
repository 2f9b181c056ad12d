/**
 * Exact decimal arithmetic on decimal strings, for sums and products that must not pass through floats (bar volume,
 * notional, VWAP). A value is `units × 10^-scale` with `units` a bigint; nothing is ever rounded except by `divide`,
 * which rounds half away from zero to the digits it is asked for.
 */

export interface Dec {
  readonly units: bigint;
  readonly scale: number;
}

export const ZERO: Dec = { units: 0n, scale: 0 };

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;

/** Parse a decimal string (`"1.50"`, `"-2"`, `"1e-8"`); throws on anything else. */
export function parseDec(s: string): Dec {
  const m = DECIMAL.exec(s);
  if (m === null) throw new Error(`not a decimal: ${JSON.stringify(s)}`);
  const frac = m[3] ?? '';
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  let units = BigInt(m[2]! + frac);
  let scale = frac.length - exp;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: m[1] === '-' ? -units : units, scale };
}

function rescale(a: Dec, scale: number): bigint {
  return a.units * 10n ** BigInt(scale - a.scale);
}

export function add(a: Dec, b: Dec): Dec {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function mul(a: Dec, b: Dec): Dec {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function compare(a: Dec, b: Dec): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `a / b` rounded half away from zero to `digits` fraction digits (b ≠ 0). */
export function divide(a: Dec, b: Dec, digits: number): Dec {
  if (b.units === 0n) throw new Error('division by zero');
  // a/b = (a.units / b.units) × 10^(b.scale - a.scale); scaled by 10^digits
  const shift = digits + b.scale - a.scale;
  let num = a.units;
  let den = b.units;
  if (shift >= 0) num *= 10n ** BigInt(shift);
  else den *= 10n ** BigInt(-shift);
  const neg = num < 0n !== den < 0n;
  if (num < 0n) num = -num;
  if (den < 0n) den = -den;
  let q = num / den;
  if ((num % den) * 2n >= den) q += 1n;
  return { units: neg ? -q : q, scale: digits };
}

/**
 * The plain decimal spelling (no exponent) with `scale` fraction digits (`"1.50"` + `"0.25"` → `"1.75"`,
 * `"0.5"` + `"0.50"` → `"1.00"`); with `trim`, trailing fraction zeros removed (→ `"1"`).
 */
export function formatDec(a: Dec, trim = false): string {
  const neg = a.units < 0n;
  let digits = (neg ? -a.units : a.units).toString();
  let scale = a.scale;
  while (trim && scale > 0 && digits.endsWith('0') && digits.length > 1) {
    digits = digits.slice(0, -1);
    scale--;
  }
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return neg && /[1-9]/.test(digits) ? `-${digits}` : digits;
}
