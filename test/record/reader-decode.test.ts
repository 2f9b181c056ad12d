/**
 * The recording reader against independent truths: a frame of multi-byte UTF-8 characters that straddle every
 * 16 KiB chunk boundary of the decompressed stream reads back byte-identical, and a recording cut at 90% yields
 * exactly the whole lines that zlib with `finishFlush: Z_SYNC_FLUSH` (what `zcat` prints) recovers from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as zc, gunzipSync, gzipSync } from 'node:zlib';
import { RecordingReader } from '../../src/record/reader.js';
import type { RecordLine } from '../../src/record/format.js';
import { recordSimSession } from '../helpers/record-session.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every record the reader delivers, and its damage. */
async function readAll(file: string): Promise<{ records: RecordLine[]; reader: RecordingReader }> {
  const reader = await RecordingReader.open(file);
  const records: RecordLine[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    await reader.fill(1);
    const r = reader.shift();
    if (r === undefined) break;
    records.push(r);
  }
  return { records, reader };
}

describe('RecordingReader decodes UTF-8 as a stream', () => {
  it('a frame whose 4-byte characters straddle every 16 KiB chunk boundary reads back identical', async () => {
    const live = join(dir, 'utf8.ndjson.gz');
    await recordSimSession({ file: live, deltas: 5 });
    const lines = gunzipSync(readFileSync(live)).toString('utf8').split('\n');
    expect(lines.pop()).toBe('');
    const header = lines[0]!;
    // one frame of 😀 (4 bytes each, no JSON escaping) right after the header, 200 KB long, starting at an offset
    // that is not a multiple of 4: every multiple of 16384 inside it falls in the middle of a character
    const prefixLen = Buffer.byteLength(header + '\n' + '{"k":"frame","t":1,"x":"binance","c":"binance#1","d":"');
    const pad = 'x'.repeat([1, 2, 3, 4].find((p) => (prefixLen + p) % 4 === 1)!); // the run starts at ≡ 1 (mod 4)
    const emoji = '😀'.repeat(50_000);
    const d = pad + emoji;
    const frameLine = JSON.stringify({ k: 'frame', t: 1, x: 'binance', c: 'binance#1', d });
    const text = [header, frameLine, '{"k":"end","t":2}'].join('\n') + '\n';
    const bytes = Buffer.from(text, 'utf8');
    const start = bytes.indexOf(Buffer.from('😀'));
    expect(start % 4).not.toBe(0);
    const end = start + Buffer.byteLength(emoji);
    let straddled = 0;
    for (let b = 16384; b < bytes.length; b += 16384) {
      expect(b > start && b < end).toBe(true); // every chunk boundary is inside the run
      expect((b - start) % 4).not.toBe(0); // … and inside a character
      straddled++;
    }
    expect(straddled).toBeGreaterThan(10);
    const path = join(dir, 'straddle.ndjson.gz');
    writeFileSync(path, gzipSync(bytes));
    const { records, reader } = await readAll(path);
    expect(reader.damage).toBeUndefined();
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(r.k).toBe('frame');
    expect(r.k === 'frame' ? r.d : '').toBe(d);
    expect(r.k === 'frame' ? r.d : '').not.toContain('\uFFFD');
  });
});

describe('RecordingReader on a cut recording', () => {
  const file = join(dir, 'full.ndjson.gz');
  beforeAll(async () => {
    await recordSimSession({ file, deltas: 400 });
  }, 30_000);

  it.each([0.9, 0.75, 0.5])('cut at %s: every whole line zlib recovers is delivered, damage at the next line', async (frac) => {
    const gz = readFileSync(file);
    const cut = join(dir, `cut-${frac}.ndjson.gz`);
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length * frac)));
    // the independent truth: what zlib decodes from the cut file (as zcat does), whole lines only
    const recovered = gunzipSync(readFileSync(cut), { finishFlush: zc.Z_SYNC_FLUSH }).toString('utf8');
    const whole = recovered.slice(0, recovered.lastIndexOf('\n')).split('\n');
    expect(whole.length).toBeGreaterThan(20);
    const { records, reader } = await readAll(cut);
    // the header is line 1; every later whole line is a delivered record, in order
    expect(records).toEqual(whole.slice(1).map((l) => JSON.parse(l) as unknown));
    expect(reader.damage).toBeDefined();
    expect(reader.damage!.line).toBe(whole.length + 1);
    expect(reader.damage!.reason).toMatch(/cut short/);
  });
});
