/**
 * Damaged recordings replay everything before the damage, then end with a TW_ERR_RECORDING status naming the file,
 * line and reason; recordings of another format or version are refused before anything replays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { lastValueFrom, toArray } from 'rxjs';
import type { MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { TwError } from '../../src/errors.js';
import { replay, type ReplayResult } from '../../src/record/replay.js';
import { recordSimSession } from '../helpers/record-session.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-bad-'));
const file = join(dir, 'session.ndjson.gz');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let live: MarketEvent[];
let lines: string[];

beforeAll(async () => {
  ({ events: live } = await recordSimSession({ file }));
  lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  expect(lines.pop()).toBe(''); // ends with a newline
}, 20_000);

async function run(path: string): Promise<{ events: MarketEvent[]; result: ReplayResult }> {
  let result: ReplayResult | undefined;
  const events = await lastValueFrom(replay(path, { onEnd: (r) => (result = r) }).pipe(toArray()));
  return { events, result: result! };
}

function write(name: string, data: Buffer | string): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

/** Everything but the final damage status is exactly the start of the live session. */
function expectPrefixThenDamage(events: MarketEvent[], line: number, reason: RegExp): StatusEvent {
  const last = events.at(-1)!;
  expect(last.type).toBe('status');
  const st = last as StatusEvent;
  expect(st).toMatchObject({ state: 'error', code: 'TW_ERR_RECORDING', scope: 'connection', details: { line } });
  expect(st.reason).toMatch(reason);
  const before = events.slice(0, -1);
  expect(before).toEqual(live.slice(0, before.length));
  return st;
}

describe('damaged recordings', () => {
  it('a garbage line: replays every line before it, then reports that line', async () => {
    const at = Math.floor(lines.length / 2);
    const bad = [...lines.slice(0, at), '{"k":"frame","t":12,"x":"binance"', ...lines.slice(at)];
    const { events, result } = await run(write('garbage.ndjson.gz', gzipSync(bad.join('\n') + '\n')));
    expect(result.damage).toMatchObject({ line: at + 1 });
    expect(result.damage!.reason).toMatch(/not JSON/);
    expect(events.length).toBeGreaterThan(10);
    expectPrefixThenDamage(events, at + 1, /line \d+: not JSON/);
  });

  it('a record of an unknown kind is damage too (not silently skipped)', async () => {
    const at = 5;
    const bad = [...lines.slice(0, at), '{"k":"event","t":1,"type":"trade"}', ...lines.slice(at)];
    const { events, result } = await run(write('kind.ndjson.gz', gzipSync(bad.join('\n') + '\n')));
    expect(result.damage).toMatchObject({ line: at + 1 });
    expectPrefixThenDamage(events, at + 1, /not a recording record/);
  });

  it('a file cut in the middle of the gzip stream: replays what decodes, reports where it stops', async () => {
    const gz = readFileSync(file);
    const cut = write('cut.ndjson.gz', gz.subarray(0, Math.floor(gz.length / 2)));
    const { events, result } = await run(cut);
    expect(result.damage).toBeDefined();
    expect(result.damage!.reason).toMatch(/cut short|unexpected end/);
    expect(result.records).toBeGreaterThan(10);
    expect(result.records).toBeLessThan(lines.length - 1);
    expectPrefixThenDamage(events, result.damage!.line, /recording damaged/);
  });

  it('a file cut at a line boundary (no end record) is reported as cut short', async () => {
    const at = lines.length - 20;
    const { events, result } = await run(write('noend.ndjson.gz', gzipSync(lines.slice(0, at).join('\n') + '\n')));
    expect(result.damage).toMatchObject({ line: at + 1 });
    expectPrefixThenDamage(events, at + 1, /without an end record/);
  });

  it('corrupt gzip bytes: replays up to the damage and reports it, never throws', async () => {
    const gz = Buffer.from(readFileSync(file));
    const mid = Math.floor(gz.length / 2);
    gz.fill(0xff, mid, mid + 64);
    const { events, result } = await run(write('corrupt.ndjson.gz', gz));
    expect(result.damage).toBeDefined();
    const last = events.at(-1) as StatusEvent;
    expect(last).toMatchObject({ type: 'status', code: 'TW_ERR_RECORDING', details: { file: join(dir, 'corrupt.ndjson.gz') } });
    expect(result.records).toBeLessThan(lines.length - 1);
  });
});

describe('refused recordings', () => {
  const refused = async (path: string): Promise<TwError> => {
    let got: unknown;
    const seen: MarketEvent[] = [];
    await new Promise<void>((resolve) => {
      replay(path).subscribe({
        next: (e) => seen.push(e),
        error: (e: unknown) => {
          got = e;
          resolve();
        },
        complete: () => resolve(),
      });
    });
    expect(seen).toEqual([]);
    expect(got).toBeInstanceOf(TwError);
    expect((got as TwError).code).toBe('TW_ERR_RECORDING');
    return got as TwError;
  };

  it('an unknown format', async () => {
    const err = await refused(write('other.ndjson.gz', gzipSync('{"format":"pcap","version":1}\n')));
    expect(err.message).toMatch(/not a tickwire recording \(format "pcap"/);
  });

  it('an unknown version', async () => {
    const header = { ...(JSON.parse(lines[0]!) as object), version: 2 };
    const err = await refused(write('v2.ndjson.gz', gzipSync([JSON.stringify(header), ...lines.slice(1)].join('\n') + '\n')));
    expect(err.message).toMatch(/version 2 is not supported \(this tickwire reads version 1\)/);
  });

  it('a file that is not gzip, and a missing file', async () => {
    expect((await refused(write('plain.ndjson', lines.join('\n')))).message).toMatch(/not a readable tickwire recording/);
    expect((await refused(join(dir, 'nope.ndjson.gz'))).message).toMatch(/ENOENT/);
  });

  it('a later part of a rotated chain given alone', async () => {
    const header = { ...(JSON.parse(lines[0]!) as object), part: 1 };
    const err = await refused(write('p1.ndjson.gz', gzipSync([JSON.stringify(header), ...lines.slice(1)].join('\n') + '\n')));
    expect(err.message).toMatch(/part 1 of a rotated recording/);
  });
});
