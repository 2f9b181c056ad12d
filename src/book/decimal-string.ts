/**
 * Decimal strings as the exchanges send them (plain, non-negative, no exponent), compared and spelled exactly: the
 * book's level keys, the cross-check's comparison, and removals spelled `"0"`.
 */
import type { Level } from '../schema/events.js';

/** Canonical key of a decimal string: no leading zeros in the integer part, no trailing zeros in the fraction. */
export function canonicalDecimal(s: string): string {
  let end = s.length;
  if (s.indexOf('.') !== -1) {
    while (end > 0 && s.charCodeAt(end - 1) === 48 /* 0 */) end--;
    if (end > 0 && s.charCodeAt(end - 1) === 46 /* . */) end--;
  }
  let start = 0;
  while (start < end - 1 && s.charCodeAt(start) === 48 && s.charCodeAt(start + 1) !== 46) start++;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Exact comparison of two non-negative decimal strings (no exponent). */
export function compareDecimal(a: string, b: string): number {
  const ca = canonicalDecimal(a);
  const cb = canonicalDecimal(b);
  if (ca === cb) return 0;
  const ia = ca.indexOf('.');
  const ib = cb.indexOf('.');
  const intA = ia === -1 ? ca : ca.slice(0, ia);
  const intB = ib === -1 ? cb : cb.slice(0, ib);
  if (intA.length !== intB.length) return intA.length < intB.length ? -1 : 1;
  if (intA !== intB) return intA < intB ? -1 : 1;
  const fa = ia === -1 ? '' : ca.slice(ia + 1);
  const fb = ib === -1 ? '' : cb.slice(ib + 1);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

/** True when a decimal size string is zero (`"0"`, `"0.00000000"`). */
export function isZeroSize(size: string): boolean {
  // hot path: a plain decimal is zero iff it has only '0' and '.' (and at least one digit)
  let digit = false;
  for (let i = 0; i < size.length; i++) {
    const c = size.charCodeAt(i);
    if (c === 48) digit = true;
    else if (c !== 46) return c >= 49 && c <= 57 ? false : parseFloat(size) === 0;
  }
  return digit;
}

/**
 * Spell every removal of a delta as exactly `"0"` (the exchanges send `"0.00000000"`, `"0.00000"`…), in place, so a
 * consumer comparing strings sees a removal. One character read for almost every level (a size that does not start
 * with `0` is not zero).
 */
export function spellRemovalsZero(levels: readonly Level[]): void {
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    if (respelledZero(l[1])) l[1] = '0';
  }
}

/** True when `spellRemovalsZero` respells this size `"0"` (a zero written otherwise). */
export function respelledZero(s: string): boolean {
  return s.charCodeAt(0) === 48 && s.length > 1 && isZeroSize(s);
}
