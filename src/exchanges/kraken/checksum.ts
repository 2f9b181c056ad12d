/**
 * Kraken book checksum (v1 and v2 alike): top 10 asks low→high then top 10 bids high→low, each price and qty with
 * the decimal point removed and leading zeros stripped, concatenated; CRC32 (IEEE) as an unsigned 32-bit integer.
 * Node's zlib gains `crc32` only in Node 22, so a table-driven CRC32 lives here.
 */
import type { OrderBook } from '../../book/order-book.js';
import type { Level } from '../../schema/events.js';

export const KRAKEN_CHECKSUM_DEPTH = 10;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32 (IEEE 802.3) of an ASCII string, unsigned. */
export function crc32Ascii(s: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < s.length; i++) crc = TABLE[(crc ^ s.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** `"0.00100000"` → `"100000"`, `"45285.2"` → `"452852"`. */
export function checksumField(decimal: string): string {
  const noDot = decimal.replace('.', '');
  let i = 0;
  while (i < noDot.length - 1 && noDot.charCodeAt(i) === 48) i++;
  return noDot.slice(i);
}

/** The string that is CRC'd, from asks best-first (low→high) and bids best-first (high→low). */
export function checksumInput(asks: readonly Level[], bids: readonly Level[]): string {
  let s = '';
  const na = Math.min(asks.length, KRAKEN_CHECKSUM_DEPTH);
  for (let i = 0; i < na; i++) s += checksumField(asks[i]![0]) + checksumField(asks[i]![1]);
  const nb = Math.min(bids.length, KRAKEN_CHECKSUM_DEPTH);
  for (let i = 0; i < nb; i++) s += checksumField(bids[i]![0]) + checksumField(bids[i]![1]);
  return s;
}

export function checksumOfLevels(asks: readonly Level[], bids: readonly Level[]): number {
  return crc32Ascii(checksumInput(asks, bids));
}

/** The checksum of a local book (its levels keep the exchange's strings, padded to the pair's precision). */
export function bookChecksum(book: OrderBook): number {
  const { asks, bids } = book.top(KRAKEN_CHECKSUM_DEPTH);
  return checksumOfLevels(asks, bids);
}
