/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320 — the same as Python's `zlib.crc32`) of a string's UTF-8
 * bytes, by Node's own `zlib.crc32` (Node >= 20.15; `engines` in package.json). Exchange checksum strings are ASCII.
 * `bench/crc32.mjs` measured it 3.5x (Kraken's ~300-char string) to 5.5x (OKX's ~950) faster than the JS table.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** Unsigned CRC-32 of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  return zlibCrc32(text);
}

/** CRC-32 as a signed 32-bit integer (OKX sends it that way). */
export function crc32Signed(text: string): number {
  return zlibCrc32(text) | 0;
}
