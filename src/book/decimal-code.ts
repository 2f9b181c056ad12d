/**
 * Exact decimal strings as numbers: a plain decimal (`\d+(\.\d+)?`, no superfluous leading zero) with at most 15
 * significant digits is `mant × 10^-exp` with an integer `mant < 10^15`, and spelled with `frac` fraction digits.
 * `(mant, exp, frac)` gives the string back exactly (trailing zeros included), and `mant / 10^exp` is the same double
 * `parseFloat` gives (one correctly rounded operation on exact operands). 15 significant digits is what a double
 * round-trips (DBL_DIG), so two different such decimals never share a double.
 *
 * The book keeps its levels in this form (numbers in typed arrays): no string per level lives in the heap, so the
 * frame's strings die young instead of being promoted and collected in old space.
 */

/** Powers of ten exact as doubles (10^0 … 10^22). */
const POW10: number[] = [];
for (let i = 0, p = 1; i <= 22; i++, p *= 10) POW10.push(p);

const MAX_MANT = 1e15;
/** `frac` and `exp + EXP_BIAS` each fit in 6 bits: fraction digits ≤ 31, exp in [-32, 22] (10^22: the last exact power). */
const EXP_BIAS = 32;
const MAX_FRAC = 31;
const MAX_EXP = 22;

/** Mantissa of the last successful `encodeDecimal`. */
export let decodedMant = 0;

/**
 * The format code (`frac << 6 | exp + 32`, an 11-bit int) of a decimal string, its mantissa in `decodedMant`; or -1
 * when the string is not a plain decimal of at most 15 significant digits (the caller keeps the string instead).
 */
export function encodeDecimal(s: string): number {
  const n = s.length;
  if (n === 0) return -1;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 48 /* 0 */ && n > 1 && s.charCodeAt(1) !== 46 /* . */) return -1; // "05", "00.1": not canonical
  let mant = 0;
  let zeros = 0; // zeros seen but not yet multiplied in (they may be trailing)
  let frac = -1; // fraction digits so far; -1 before the point
  for (; i < n; i++) {
    c = s.charCodeAt(i);
    if (c === 48) {
      zeros++;
      if (frac >= 0) frac++;
    } else if (c >= 49 && c <= 57) {
      mant = mant * POW10[zeros + 1]! + (c - 48);
      zeros = 0;
      if (mant >= MAX_MANT) return -1;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0 && i > 0 && i < n - 1) {
      frac = 0;
    } else {
      return -1;
    }
    if (zeros > 21) return -1; // POW10[zeros + 1] must stay exact
  }
  if (frac < 0) frac = 0;
  const exp = frac - zeros;
  if (frac > MAX_FRAC || exp > MAX_EXP) return -1; // exp >= -22 > -EXP_BIAS: zeros <= 21
  decodedMant = mant;
  return (frac << 6) | (exp + EXP_BIAS);
}

/** The double a format code and mantissa stand for (equal to `parseFloat` of the string). */
export function decimalValue(mant: number, code: number): number {
  const exp = (code & 63) - EXP_BIAS;
  return exp >= 0 ? mant / POW10[exp]! : mant * POW10[-exp]!;
}

/** The mantissa of a value stored as a double (exact: the double is within half a unit of a mantissa below 10^15). */
export function mantissaOf(value: number, code: number): number {
  const exp = (code & 63) - EXP_BIAS;
  return exp >= 0 ? Math.round(value * POW10[exp]!) : Math.round(value / POW10[-exp]!);
}

const ZEROS = '0000000000000000000000000000000000000000';

/** The exact string `encodeDecimal` read. */
export function decodeDecimal(mant: number, code: number): string {
  const frac = code >> 6;
  const exp = (code & 63) - EXP_BIAS;
  const tz = frac - exp; // trailing zeros of the spelling
  const digits = (mant === 0 ? '' : String(mant)) + (tz > 0 ? ZEROS.slice(0, tz) : '');
  if (frac === 0) return digits === '' ? '0' : digits;
  const len = digits.length;
  if (len > frac) return `${digits.slice(0, len - frac)}.${digits.slice(len - frac)}`;
  return `0.${ZEROS.slice(0, frac - len)}${digits}`;
}
