/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320 — the same as Python's `zlib.crc32`), table-driven.
 * Node 20's zlib has no crc32. Input is the UTF-8 bytes of the string; exchange checksum strings are ASCII.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Unsigned CRC-32 of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  if (isAscii(text)) {
    for (let i = 0; i < text.length; i++) crc = TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  } else {
    for (const byte of Buffer.from(text, 'utf8')) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC-32 as a signed 32-bit integer (OKX sends it that way). */
export function crc32Signed(text: string): number {
  return crc32(text) | 0;
}
