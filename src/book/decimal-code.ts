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
/** Bits of a format code: a level's price and size codes combine as `price << CODE_BITS | size`. */
export const CODE_BITS = 11;
/** `frac` and `exp + EXP_BIAS` each fit in 6 bits: fraction digits ≤ 31, exp in [-32, 22] (10^22: the last exact power). */
const EXP_BIAS = 32;
const MAX_FRAC = 31;
const MAX_EXP = 22;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * The working area of `encodeDecimal`, owned by its caller (an order book, a scanner): no module state. `scanned`:
 * what the last `encodeDecimal` / `scanDecimal` given it read — `[0]` the mantissa (valid when the code is not -1),
 * `[1]` the format code or -1; a typed array, so that passing a mantissa back stores a double instead of allocating
 * one. `bytes`: a string's characters for `scanDecimal`, then a 0 that stops every loop there (grown on demand).
 */
export class DecimalScratch {
  readonly scanned = new Float64Array(2);
  bytes = new Uint8Array(64);
}

/**
 * The format code (`frac << 6 | exp + 32`, an 11-bit int) of a decimal string, its mantissa in `scanned[0]`; or -1
 * when the string is not a plain decimal of at most 15 significant digits (the caller keeps the string instead).
 *
 * The common spelling (see `scanDecimal`) is read here from the string directly — copying it into bytes first
 * made the book's string path (every exchange but Binance's scanned diffs, every REST snapshot) ~15% slower; any
 * other spelling goes to `scanDecimal` on a copy, which decides it.
 */
export function encodeDecimal(s: string, w: DecimalScratch): number {
  const n = s.length;
  let c = s.charCodeAt(0);
  if (c >= 48 && c <= 57 && !(c === 48 && isDigit(s.charCodeAt(1)))) {
    let mant = c - 48;
    let k = 1;
    c = s.charCodeAt(1);
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      c = s.charCodeAt(++k);
    }
    let frac = 0;
    if (c === 46) {
      const f0 = k + 1;
      k = f0;
      c = s.charCodeAt(k);
      while (c >= 48 && c <= 57) {
        mant = mant * 10 + (c - 48);
        c = s.charCodeAt(++k);
      }
      frac = k - f0;
    }
    if (k === n && (frac > 0 || s.charCodeAt(n - 1) !== 46) && mant < MAX_MANT && frac <= MAX_EXP) {
      const out = w.scanned;
      out[0] = mant;
      return (out[1] = (frac << 6) | (frac + EXP_BIAS));
    }
  }
  if (n >= w.bytes.length) w.bytes = new Uint8Array(2 * n + 2);
  const b = w.bytes;
  for (let k = 0; k < n; k++) {
    c = s.charCodeAt(k);
    if (c > 127) return -1; // not a decimal (and not a byte)
    b[k] = c;
  }
  b[n] = 0;
  return scanDecimal(b, 0, w.scanned) === n ? w.scanned[1]! : -1;
}

/**
 * Reads a plain decimal `\d+(\.\d+)?` at `i` of `b` (the bytes of a frame being scanned, or of a whole string): the
 * index just after it, or -1 when `b` has no such decimal at `i`. `out` gets what `encodeDecimal` gives for that
 * decimal's text: its mantissa and code, or code -1 when it does not fit (a superfluous leading zero, more than 15
 * significant digits, …). A scanner that walks the digits anyway gets the book's numbers from the same walk.
 * Bytes, not a string: a typed array's element is one load, a string's character a representation check each.
 * The caller guarantees a non-digit after the decimal inside `b` (a frame's quote, the 0 after a string's bytes).
 *
 * The common spelling — at most 15 digits after any leading zeros, at most 22 fraction digits — is read in one
 * pass with every digit in the mantissa (`exp` = fraction digits); longer spellings go to `longDecimal`, which
 * leaves trailing zeros out of the mantissa. Either form gives the string and the double back exactly.
 */
export function scanDecimal(b: Uint8Array, i: number, out: Float64Array): number {
  let c = b[i]!;
  if (!(c >= 48 && c <= 57)) return -1;
  if (c === 48 && isDigit(b[i + 1]!)) return unfitDecimal(b, i, out); // "05", "00.1": not canonical
  let mant = c - 48;
  let k = i + 1;
  c = b[k]!;
  while (c >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    c = b[++k]!;
  }
  let frac = 0;
  if (c === 46) {
    const f0 = k + 1;
    c = b[f0]!;
    if (!(c >= 48 && c <= 57)) return -1; // "5.", "5.x"
    k = f0;
    do {
      mant = mant * 10 + (c - 48);
      c = b[++k]!;
    } while (c >= 48 && c <= 57);
    frac = k - f0;
  }
  // mant < 10^15: every partial sum was an exact integer; frac <= 22: 10^frac is exact
  if (mant >= MAX_MANT || frac > MAX_EXP) return longDecimal(b, i, k, out);
  out[0] = mant;
  out[1] = (frac << 6) | (frac + EXP_BIAS);
  return k;
}

/**
 * `scanDecimal` for a decimal at `[i, end)` with more than 15 digits or 22 fraction digits: it fits when its
 * significant digits (trailing zeros aside) are at most 15 and it has at most 31 fraction digits.
 */
function longDecimal(b: Uint8Array, i: number, end: number, out: Float64Array): number {
  let mant = 0;
  let zeros = 0; // zeros seen but not yet multiplied in (they may be trailing)
  let frac = -1; // fraction digits so far; -1 before the point
  for (let k = i; k < end; k++) {
    const c = b[k]!;
    if (c === 48) {
      if (++zeros > 21) return unfitDecimal(b, i, out); // POW10[zeros + 1] must stay exact
      if (frac >= 0) frac++;
    } else if (c === 46) {
      frac = 0;
    } else {
      mant = mant * POW10[zeros + 1]! + (c - 48);
      zeros = 0;
      if (mant >= MAX_MANT) return unfitDecimal(b, i, out);
      if (frac >= 0) frac++;
    }
  }
  if (frac < 0) frac = 0;
  const exp = frac - zeros;
  if (frac > MAX_FRAC || exp > MAX_EXP) return unfitDecimal(b, i, out); // exp >= -22 > -EXP_BIAS: zeros <= 21
  out[0] = mant;
  out[1] = (frac << 6) | (exp + EXP_BIAS);
  return end;
}

/** `scanDecimal` for a decimal that does not fit: only its end (or -1 when it is not one); its code -1. */
function unfitDecimal(b: Uint8Array, i: number, out: Float64Array): number {
  out[1] = -1;
  let k = i;
  while (isDigit(b[k]!)) k++;
  if (k === i) return -1;
  if (b[k] !== 46) return k;
  if (!isDigit(b[++k]!)) return -1;
  while (isDigit(b[k]!)) k++;
  return k;
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

/**
 * The exact string `encodeDecimal` read.
 *
 * The digits come from `toFixed(0)` (the same digits for an integer below 10^21), not `String`: V8 keeps every
 * number `String` (or a template, or `+ ''`) converts in its number-to-string cache, a GC root, so each converted
 * mantissa's string survives the next scavenge — at the books' read and snapshot rates that survival is what made V8
 * grow the young generation to its maximum (peak RSS +16 MB); `toFixed` bypasses the cache.
 */
export function decodeDecimal(mant: number, code: number): string {
  const frac = code >> 6;
  const exp = (code & 63) - EXP_BIAS;
  const tz = frac - exp; // trailing zeros of the spelling
  const digits = (mant === 0 ? '' : mant.toFixed(0)) + (tz > 0 ? ZEROS.slice(0, tz) : '');
  if (frac === 0) return digits === '' ? '0' : digits;
  const len = digits.length;
  if (len > frac) return `${digits.slice(0, len - frac)}.${digits.slice(len - frac)}`;
  return `0.${ZEROS.slice(0, frac - len)}${digits}`;
}
