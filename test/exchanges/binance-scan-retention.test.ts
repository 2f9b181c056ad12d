/**
 * The scanner's price/size strings must not keep their frame alive: a book keeps them for as long as a level lives,
 * and V8 returns a `slice` of 13+ characters (real Binance spot prices: `"67123.45000000"`) as a view into the frame.
 */
import { describe, expect, it } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DepthScanner } from '../../src/exchanges/binance/scan.js';
import type { Level } from '../../src/schema/events.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const LENGTHS = [13, 15, 16, 17, 18, 20];

/** A plain decimal of exactly `n` characters, different per frame `i`. */
function decimalOf(n: number, i: number): string {
  return `${1000 + i}.${'7'.repeat(n - 6)}`;
}

describe('binance scanner string retention', () => {
  it('levels cut from 20 frames of 1 MB each keep far less than the frames (20 MB) alive once the frames are dropped, at every length', () => {
    const kept: Level[] = [];
    const scanner = new DepthScanner();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20; i++) {
      // a long stream name makes each frame ~1 MB; prices and sizes as real Binance spot writes them (14 characters)
      // and one level per other length from 13 to 20 characters (the scanner makes some lengths another way)
      const frame =
        `{"stream":"${'x'.repeat(1_000_000)}${i}","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,` +
        `"b":[["67123.45000000","12345.67800000"],${LENGTHS.map((n) => `["${decimalOf(n, i)}","${decimalOf(n + 1, i)}"]`).join(',')}],` +
        `"a":[["67124.0000000${i % 10}","0.00100000"]]}}`;
      const m = scanner.scan(frame);
      if (m?.kind !== 'book') throw new Error('scanner declined the frame');
      kept.push(...m.bids, m.asks[0]!);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    const perFrame = LENGTHS.length + 2;
    expect(kept[0]).toEqual(['67123.45000000', '12345.67800000']);
    expect(kept.slice(1, perFrame - 1)).toEqual(LENGTHS.map((n): Level => [decimalOf(n, 0), decimalOf(n + 1, 0)]));
    expect(kept[20 * perFrame - 1]).toEqual(['67124.00000009', '0.00100000']);
    expect(grown).toBeLessThan(5_000_000); // the frames themselves: 20 MB (measured ~1 MB of unrelated growth)
  });
});
