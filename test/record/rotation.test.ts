/**
 * Rotation by size: `session.ndjson.gz`, `session.1.ndjson.gz`, … each starting with the header (its part number)
 * and ending with a `next` record; replaying the first part follows the chain, an explicit list replays the
 * same, and a missing part is damage (everything before it replays).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, rmSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import type { MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { replay, type ReplayResult } from '../../src/record/replay.js';
import { partName } from '../../src/record/format.js';
import { recordSimSession } from '../helpers/record-session.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-rot-'));
const file = join(dir, 'session.ndjson.gz');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let live: MarketEvent[];
let files: readonly string[];

beforeAll(async () => {
  ({ events: live, files } = await recordSimSession({ file, rotateSizeBytes: 8 * 1024, flushMs: 50, deltas: 80 }));
}, 20_000);

const records = (f: string): Array<Record<string, unknown>> =>
  gunzipSync(readFileSync(f))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('rotation', () => {
  it('names the parts session.N.ndjson.gz, each with its header and a next record', () => {
    expect(partName('a/session.ndjson.gz', 2)).toBe('a/session.2.ndjson.gz');
    expect(partName('rec.bin', 1)).toBe('rec.bin.1');
    expect(files.length).toBeGreaterThanOrEqual(3);
    files.forEach((f, i) => {
      expect(f).toBe(partName(file, i));
      const recs = records(f);
      expect(recs[0]).toMatchObject({ format: 'tickwire-recording', version: 1, part: i });
      const last = recs.at(-1)!;
      if (i < files.length - 1) expect(last).toMatchObject({ k: 'next', file: basename(partName(file, i + 1)) });
      else expect(last.k).toBe('end');
    });
  });

  it('replaying the first part follows the chain: exactly the live events', async () => {
    let result: ReplayResult | undefined;
    const events = await lastValueFrom(replay(file, { onEnd: (r) => (result = r) }).pipe(toArray()));
    expect(result).toMatchObject({ divergences: 0, stopped: false });
    expect(result!.damage).toBeUndefined();
    expect(events).toEqual(live);
  });

  it('an explicit list of the parts replays the same', async () => {
    const events = await lastValueFrom(replay([...files]).pipe(toArray()));
    expect(events).toEqual(live);
  });

  it('a missing part: everything before it replays, then the damage names the break', async () => {
    const moved = files[2]! + '.away';
    renameSync(files[2]!, moved);
    try {
      let result: ReplayResult | undefined;
      const events = await lastValueFrom(replay(file, { onEnd: (r) => (result = r) }).pipe(toArray()));
      expect(result!.damage).toMatchObject({ file: files[1] });
      expect(result!.damage!.reason).toMatch(/cannot continue in the next part/);
      const last = events.at(-1) as StatusEvent;
      expect(last.code).toBe('TW_ERR_RECORDING');
      expect(events.slice(0, -1)).toEqual(live.slice(0, events.length - 1));
      expect(events.length - 1).toBeLessThan(live.length);
    } finally {
      renameSync(moved, files[2]!);
    }
    expect(existsSync(files[2]!)).toBe(true);
  });
});
