/**
 * Kraken v2 sends prices and quantities as JSON numbers "containing full precision" (`"qty":0.00100000`).
 * `JSON.parse` would turn that into the float 0.001 and lose the digits the checksum needs, so frames are read by
 * first rewriting every number token outside strings into a string holding its exact source text, then parsing.
 * Values never pass through a float.
 */

const QUOTE = 34; // "
const BACKSLASH = 92; // \
const MINUS = 45; // -

function isNumberStart(c: number): boolean {
  return (c >= 48 && c <= 57) || c === MINUS;
}

function isNumberChar(c: number): boolean {
  // digits . + - e E
  return (c >= 48 && c <= 57) || c === 46 || c === 43 || c === MINUS || c === 101 || c === 69;
}

/** The frame text with every JSON number token outside strings wrapped in quotes (exact digits kept). */
export function quoteNumbers(text: string): string {
  const parts: string[] = [];
  let last = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // skip a string literal, honouring escapes
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) break;
        else i++;
      }
      i++;
      continue;
    }
    if (isNumberStart(c)) {
      const start = i;
      i++;
      while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      parts.push(text.slice(last, start), '"', text.slice(start, i), '"');
      last = i;
      continue;
    }
    i++;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join('');
}

/** Parse a frame keeping every number as its exact source text (a string). Throws on invalid JSON. */
export function parseKeepingNumbers(text: string): unknown {
  return JSON.parse(quoteNumbers(text));
}

/** A number token in plain decimal notation: `1E-8` → `0.00000001`, `1.5e3` → `1500`; plain tokens unchanged. */
export function plainDecimal(token: string): string {
  const e = token.search(/[eE]/);
  if (e === -1) return token;
  let mantissa = token.slice(0, e);
  const exp = Number(token.slice(e + 1));
  let sign = '';
  if (mantissa.startsWith('-')) {
    sign = '-';
    mantissa = mantissa.slice(1);
  }
  const dot = mantissa.indexOf('.');
  let digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  let point = (dot === -1 ? mantissa.length : dot) + exp; // position of the decimal point within digits
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    digits = digits + '0'.repeat(point - digits.length);
  }
  let int = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const frac = digits.slice(point);
  if (int === '') int = '0';
  return sign + (frac === '' ? int : `${int}.${frac}`);
}

/**
 * Right-pad a decimal's fraction with zeros to `decimals` places (`0.001`, 8 → `0.00100000`; `45281`, 1 →
 * `45281.0`). Digits are never removed: a token already longer than the precision is kept as sent.
 */
export function padDecimal(token: string, decimals: number | undefined): string {
  const s = plainDecimal(token);
  if (decimals === undefined || decimals <= 0) return s;
  const dot = s.indexOf('.');
  const have = dot === -1 ? 0 : s.length - dot - 1;
  if (have >= decimals) return s;
  return (dot === -1 ? `${s}.` : s) + '0'.repeat(decimals - have);
}
