import { describe, expect, it } from 'vitest';
import { FrameChunks } from '../../src/sim/frame-chunks.js';

/** Minimal RFC 6455 decoder for unmasked server frames. */
function decode(buf: Buffer): string[] {
  const out: string[] = [];
  let o = 0;
  while (o < buf.length) {
    expect(buf[o]).toBe(0x81);
    let len = (buf[o + 1] as number) & 0x7f;
    let h = 2;
    if (len === 126) {
      len = buf.readUInt16BE(o + 2);
      h = 4;
    } else if (len === 127) {
      len = buf.readUInt32BE(o + 2) * 2 ** 32 + buf.readUInt32BE(o + 6);
      h = 10;
    }
    out.push(buf.subarray(o + h, o + h + len).toString());
    o += h + len;
  }
  return out;
}

describe('FrameChunks', () => {
  it('packs frames of every header size (and multi-byte UTF-8) that decode back exactly', () => {
    const texts = [0, 1, 41, 42, 60, 125, 126, 127, 460, 21_845, 21_846, 65_535, 65_536, 300_000].map((n) => 'x'.repeat(n));
    texts.push('é'.repeat(50), 'é'.repeat(70), '€'.repeat(30_000), '{"stream":"btcusdt@depth@100ms"}');
    const b = new FrameChunks();
    for (const t of texts) b.add(t);
    const { chunks, frames, bytes } = b.finish();
    expect(frames).toBe(texts.length);
    expect(bytes).toBe(texts.reduce((a, t) => a + Buffer.byteLength(t), 0));
    expect(decode(Buffer.concat(chunks))).toEqual(texts);
    expect(chunks.length).toBeGreaterThan(1);
  });
});
