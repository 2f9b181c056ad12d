/** A real Writable that records which lines left together in each write/writev call (the NDJSON sink's output). */
import { Writable } from 'node:stream';
import { expect } from 'vitest';

export function recordingWritable(): { out: Writable; batches: string[][] } {
  const batches: string[][] = [];
  const linesOf = (chunks: unknown[]): string[] => {
    const text = chunks.map(String).join('');
    expect(text.endsWith('\n')).toBe(true); // whole lines only
    return text.slice(0, -1).split('\n');
  };
  const out = new Writable({
    writev(chunks, cb) {
      batches.push(linesOf(chunks.map((c) => c.chunk)));
      cb();
    },
    write(chunk, _enc, cb) {
      batches.push(linesOf([chunk]));
      cb();
    },
  });
  return { out, batches };
}
