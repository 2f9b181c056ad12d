import { describe, expect, it } from 'vitest';
import { CODE_BITS, DecimalScratch, encodeDecimal } from '../../src/book/decimal-code.js';
import { DeltaBuffer } from '../../src/book/delta-buffer.js';
import { LevelCodes } from '../../src/book/level-codes.js';
import type { DeltaMessage } from '../../src/book/rules.js';
import type { Level } from '../../src/schema/events.js';

const dec = new DecimalScratch();
/** One area for every message, rewritten per message, as a frame scanner's. */
const area = new LevelCodes();

/** A delta as Binance's scanner gives it: strings, and the same levels as numbers (-1 where one does not fit). */
function scanned(id: number, bids: Level[], asks: Level[]): DeltaMessage {
  area.begin();
  for (const [p, q] of [...bids, ...asks]) {
    const pc = encodeDecimal(p, dec);
    const pm = pc < 0 ? 0 : dec.scanned[0]!;
    const sc = encodeDecimal(q, dec);
    area.push(pm, sc < 0 ? 0 : dec.scanned[0]!, pc < 0 || sc < 0 ? -1 : (pc << CODE_BITS) | sc);
  }
  return { kind: 'book', market: 'BTCUSDT', action: 'delta', firstUpdateId: id, updateId: id, exchangeTime: id * 100, bids, asks, codes: area, codesFrame: area.frame };
}

const strip = (d: DeltaMessage): unknown => ({ ...d, codes: undefined, codesFrame: undefined });

describe('DeltaBuffer', () => {
  it('gives back every kept delta with the same ids and strings, kept as numbers or (not fitting) as strings, across trims', () => {
    const buf = new DeltaBuffer();
    const want: DeltaMessage[] = [];
    for (let id = 1; id <= 62; id++) {
      const bids: Level[] = Array.from({ length: id % 4 }, (_, k) => [`${100 - k}.${'0'.repeat(id % 3)}${k}`, k === 0 ? '0' : `0.00${id}`]);
      const asks: Level[] = Array.from({ length: (id * 7) % 5 }, (_, k) => [`${101 + k}.5`, `${id}.${k}0`]);
      // every fifth delta has a size of 16 significant digits: its levels stay strings
      if (id % 5 === 0) asks.push(['120.25', '1.000000000000001']);
      const d = scanned(id, bids, asks);
      want.push(strip(d) as DeltaMessage);
      buf.add(d);
      expect(buf.last?.updateId).toBe(id);
      if (id % 9 === 0) {
        buf.trim(3); // more than 6 kept: the last 3 stay
        want.splice(0, want.length > 6 ? want.length - 3 : 0);
      }
      expect(buf.first?.updateId).toBe(want[0]!.updateId);
      expect(buf.length).toBe(want.length);
    }
    const got = buf.take();
    expect(got.map(strip)).toEqual(want);
    expect(buf.length).toBe(0);
    // a level's strings come back as they were written (trailing zeros, spelled zero sizes of the scanner's)
    expect(got.at(-1)!.asks).toEqual(want.at(-1)!.asks);
  });

  it('keeps a copy: the scanner rewriting its area or the parser reusing its arrays changes nothing kept', () => {
    const buf = new DeltaBuffer();
    const bids: Level[] = [['99.5', '2']];
    buf.add(scanned(1, bids, []));
    bids[0] = ['1', '1'];
    scanned(2, [['50', '3']], [['51', '4']]); // the area now describes another frame
    expect(buf.take()[0]!.bids).toEqual([['99.5', '2']]);
  });
});
