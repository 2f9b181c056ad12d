import { describe, expect, it } from 'vitest';
import { padDecimal, parseKeepingNumbers, plainDecimal, quoteNumbers } from '../../src/exchanges/kraken/raw-json.js';
import { checksumField, crc32Ascii } from '../../src/exchanges/kraken/checksum.js';

describe('kraken raw number reading', () => {
  it('keeps every digit of number tokens, including trailing zeros', () => {
    const v = parseKeepingNumbers('{"a":[{"price":45285.2,"qty":0.00100000}],"n":-1.50e-3,"s":"x:1,\\"q\\":2"}');
    expect(v).toEqual({ a: [{ price: '45285.2', qty: '0.00100000' }], n: '-1.50e-3', s: 'x:1,"q":2' });
  });

  it('leaves digits inside strings alone, also after escaped quotes and backslashes', () => {
    const text = '{"t":"2023-10-06T17:35:55.440295Z","u":"a\\\\","v":10}';
    expect(quoteNumbers(text)).toBe('{"t":"2023-10-06T17:35:55.440295Z","u":"a\\\\","v":"10"}');
    expect(JSON.parse(quoteNumbers(text))).toEqual({ t: '2023-10-06T17:35:55.440295Z', u: 'a\\', v: '10' });
  });

  it('returns text without numbers unchanged and rejects invalid JSON', () => {
    expect(quoteNumbers('{"channel":"heartbeat"}')).toBe('{"channel":"heartbeat"}');
    expect(() => parseKeepingNumbers('{"qty":0.1')).toThrow();
  });

  it('expands exponents exactly', () => {
    expect(plainDecimal('1E-8')).toBe('0.00000001');
    expect(plainDecimal('1.5e3')).toBe('1500');
    expect(plainDecimal('1.2345e2')).toBe('123.45');
    expect(plainDecimal('12.5')).toBe('12.5');
  });

  it('right-pads to the precision and never removes digits', () => {
    expect(padDecimal('0.001', 8)).toBe('0.00100000');
    expect(padDecimal('45281', 1)).toBe('45281.0');
    expect(padDecimal('1098.3947558', 8)).toBe('1098.39475580');
    expect(padDecimal('27120.00000', 1)).toBe('27120.00000');
    expect(padDecimal('0', 8)).toBe('0.00000000');
    expect(padDecimal('12', 0)).toBe('12');
    expect(padDecimal('0.5', undefined)).toBe('0.5');
  });
});

describe('kraken checksum primitives', () => {
  it('CRC32 matches the IEEE check value and is unsigned', () => {
    expect(crc32Ascii('123456789')).toBe(0xcbf43926);
    expect(crc32Ascii('')).toBe(0);
  });

  it('formats fields like the doc example', () => {
    expect(checksumField('45285.2')).toBe('452852');
    expect(checksumField('0.00100000')).toBe('100000');
    expect(checksumField('0.074602700')).toBe('74602700');
  });
});
