import { describe, expect, it } from 'vitest';
import { DecimalScratch, decodeDecimal, decimalValue, encodeDecimal as encodeWith, mantissaOf, scanDecimal as scanWith } from '../../src/book/decimal-code.js';

const work = new DecimalScratch();
const scanned = work.scanned;
const encodeDecimal = (s: string): number => encodeWith(s, work);
const scanDecimal = (b: Uint8Array, i: number): number => scanWith(b, i, scanned);
import { mulberry32 } from '../../src/util/prng.js';

/** encode → (value, string back) — what the numeric book keeps and gives back. */
function roundTrip(s: string): { value: number; back: string; viaValue: string } | undefined {
  const code = encodeDecimal(s);
  if (code < 0) return undefined;
  const mant = scanned[0]!;
  const value = decimalValue(mant, code);
  return { value, back: decodeDecimal(mant, code), viaValue: decodeDecimal(mantissaOf(value, code), code) };
}

describe('decimal code (numbers that give the exact string back)', () => {
  it('gives back every spelling exactly, and the double parseFloat gives', () => {
    for (const s of [
      '0', '0.0', '0.00000000', '0.5', '10.5', '1200', '1200.00', '100.000', '0.001', '0.00000001', '67123.45000000',
      '12345678.00000000', '999999999999999', '0.999999999999999', '1.00000000000000000000', '42499', '42499.0',
    ]) {
      const r = roundTrip(s);
      expect(r, s).toBeDefined();
      expect(r!.back).toBe(s);
      expect(r!.viaValue).toBe(s);
      expect(Object.is(r!.value, parseFloat(s)), s).toBe(true);
    }
  });

  it('declines what it cannot keep exactly: the book keeps those strings instead', () => {
    for (const s of [
      '', '.', '.5', '5.', '05', '00.1', '-1', '+1', '1e5', '1E-5', ' 1', '1 ', '1..2', '1.2.3', 'NaN', 'Infinity', '0x10',
      '1000000000000001', '1234567890.123456', '0.10000000000000000001', '1.0000000000000000000000000000000', '0.' + '0'.repeat(22) + '1',
      // characters outside ASCII, including ones whose low byte is a digit or a point (U+0131, U+012E, U+0660)
      '\u0131', '1\u012E5', '\u0661\u0662', '１２', '1.5\u00e9', '2\u0130',
    ]) {
      expect(encodeDecimal(s), s).toBe(-1);
    }
  });

  it('round-trips random decimals of up to 15 significant digits with any zeros around them (seeded)', () => {
    const rand = mulberry32(2024);
    let kept = 0;
    for (let n = 0; n < 50_000; n++) {
      const intDigits = Math.floor(rand() * 10);
      const fracDigits = rand() < 0.2 ? 0 : 1 + Math.floor(rand() * 18);
      let int = '';
      for (let i = 0; i < intDigits; i++) int += String(Math.floor(rand() * 10));
      int = int.replace(/^0+/, '') || '0';
      let frac = '';
      for (let i = 0; i < fracDigits; i++) frac += rand() < 0.3 ? '0' : String(Math.floor(rand() * 10));
      const s = frac === '' ? int : `${int}.${frac}`;
      const significant = s.replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
      const r = roundTrip(s);
      if (significant <= 15 && frac.length <= 31) {
        expect(r, s).toBeDefined();
        expect(r!.back).toBe(s);
        expect(r!.viaValue).toBe(s);
        expect(Object.is(r!.value, parseFloat(s)), s).toBe(true);
        kept++;
      } else {
        expect(r, s).toBeUndefined();
      }
    }
    expect(kept).toBeGreaterThan(30_000);
  });

  it('scanDecimal reads inside a frame exactly what encodeDecimal reads from the whole string (seeded)', () => {
    const rand = mulberry32(77);
    const alphabet = '0000123456789..e-';
    const plain = /^\d+(\.\d+)?$/;
    let fits = 0;
    let unfit = 0;
    let rejected = 0;
    for (let n = 0; n < 40_000; n++) {
      const len = 1 + Math.floor(rand() * (rand() < 0.2 ? 40 : 16));
      let s = '';
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
      const frame = `["${s}","1"]`;
      const end = scanDecimal(Buffer.from(frame), 2);
      const code = scanned[1]!;
      const mant = scanned[0]!;
      if (!plain.test(s)) {
        // not one decimal: no decimal at all, or one that ends before the closing quote
        expect(end === -1 || end < 2 + s.length, s).toBe(true);
        rejected++;
        continue;
      }
      expect(end, s).toBe(2 + s.length);
      const whole = encodeDecimal(s);
      expect(code, s).toBe(whole);
      if (whole < 0) {
        unfit++;
        continue;
      }
      expect(mant, s).toBe(scanned[0]);
      expect(decodeDecimal(mant, code)).toBe(s);
      expect(Object.is(decimalValue(mant, code), parseFloat(s)), s).toBe(true);
      fits++;
    }
    expect(fits).toBeGreaterThan(1000);
    expect(unfit).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(1000);
  });
});
