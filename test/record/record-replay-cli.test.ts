/**
 * The CLI as users run it (`node dist/cli.js`): `stream --record` then `replay` prints byte-identical NDJSON;
 * `record` prints nothing and rotates; a damaged recording exits 3 after printing everything before the damage;
 * a refused recording and bad flags exit 2 with a one-line message.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { runCli, type CliRun } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-cli-rec-'));
let run: CliRun | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  await sim?.close();
  run = undefined;
  sim = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALL = 1_000_000;

async function replayCli(args: string[]): Promise<{ lines: string[]; code: number | null; stderr: string }> {
  const r = runCli(['replay', ...args]);
  const { code } = await r.exit;
  const lines = await r.lines(ALL);
  return { lines, code, stderr: r.stderr() };
}

describe('tickwire stream --record → tickwire replay', () => {
  it('replay prints exactly the lines the live stream printed; a cut copy exits 3 after the same prefix', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 3, intervalMs: 20 });
    const ep = sim.endpoints.binance!;
    const file = join(dir, 'live.ndjson.gz');
    run = runCli([
      'stream', 'binance:BTC/USDT', 'binance:ETH/USDT', '--endpoint', `binance=${ep.ws},${ep.rest}`,
      '--record', file, '--no-data-timeout', '1000', '--log-level', 'warn',
    ]);
    await run.lines(0, (_l, all) => all.filter((x) => x.includes('"book_delta"')).length >= 60, 15_000);
    run.child.kill('SIGINT');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    const live = await run.lines(ALL);
    expect(live.length).toBeGreaterThan(60);

    const replayed = await replayCli([file]);
    expect(replayed.code).toBe(0);
    expect(replayed.stderr).toBe('');
    expect(replayed.lines).toEqual(live); // byte-identical NDJSON, localTime/seq/epoch included

    // cut the file in the middle: everything that decodes is printed, then the damage status; exit 3
    const gz = readFileSync(file);
    const cut = join(dir, 'cut.ndjson.gz');
    writeFileSync(cut, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const damaged = await replayCli([cut]);
    expect(damaged.code).toBe(3);
    expect(damaged.stderr).toMatch(/^tickwire: recording damaged at .*cut\.ndjson\.gz line \d+: .*everything before it was replayed\n$/);
    const last = StatusEvent.parse(JSON.parse(damaged.lines.at(-1)!));
    expect(last).toMatchObject({ code: 'TW_ERR_RECORDING', state: 'error' });
    const before = damaged.lines.slice(0, -1);
    expect(before.length).toBeGreaterThan(0);
    expect(before).toEqual(live.slice(0, before.length));
  }, 30_000);

  it('--speed 1 takes the recorded time, max does not', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 6, intervalMs: 20 });
    const ep = sim.endpoints.binance!;
    const file = join(dir, 'pace.ndjson.gz');
    run = runCli(['stream', 'binance:BTC/USDT', '--channels', 'book', '--endpoint', `binance=${ep.ws},${ep.rest}`, '--record', file, '--log-level', 'warn']);
    await run.lines(0, (_l, all) => all.length >= 40, 15_000);
    await new Promise((r) => setTimeout(r, 1_000));
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
    const t0 = Date.now();
    const paced = await replayCli([file, '--speed', '1']);
    const pacedMs = Date.now() - t0;
    expect(paced.code).toBe(0);
    const t1 = Date.now();
    const fast = await replayCli([file]);
    const fastMs = Date.now() - t1;
    expect(fast.lines).toEqual(paced.lines);
    const times = paced.lines.map((l) => (JSON.parse(l) as { localTime: number }).localTime);
    const spanMs = (Math.max(...times) - Math.min(...times)) / 1000;
    expect(spanMs).toBeGreaterThan(1_000);
    expect(pacedMs).toBeGreaterThan(spanMs * 0.9);
    expect(fastMs).toBeLessThan(pacedMs);
  }, 30_000);
});

describe('tickwire record', () => {
  it('prints nothing, rotates by size, exits 0 on SIGTERM; the chain replays', async () => {
    const file = join(dir, 'rec.ndjson.gz');
    run = runCli(['record', '--sim', '--out', file, '--rotate-size', '8k', '--log-level', 'info']);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no second part; stderr: ${run!.stderr().slice(-400)}`)), 15_000);
      const check = setInterval(() => {
        if (existsSync(join(dir, 'rec.2.ndjson.gz'))) {
          clearInterval(check);
          clearTimeout(t);
          resolve();
        }
      }, 100);
    });
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(await run.lines(ALL)).toEqual([]); // stdout stays empty
    expect(run.stderr()).toMatch(/"msg":"recording closed"/);
    const replayed = await replayCli([file]);
    expect(replayed.code).toBe(0);
    const events = replayed.lines.map((l) => MarketEvent.parse(JSON.parse(l)));
    expect(events.some((e) => e.type === 'book_delta')).toBe(true);
    expect(events.some((e) => e.type === 'status' && e.code === 'TW_ERR_RECORDING')).toBe(false);
  }, 30_000);
});

describe('refusals and bad flags: one-line message, exit 2', () => {
  const other = join(dir, 'other.ndjson.gz');
  writeFileSync(other, gzipSync('{"format":"tickwire-recording","version":9}\n'));
  it.each([
    [['replay', other], /version 9 is not supported/],
    [['replay', join(dir, 'missing.ndjson.gz')], /ENOENT/],
    [['replay'], /replay needs a recording/],
    [['replay', other, '--speed', 'fast'], /--speed expects/],
    [['replay', other, '--speed', '0'], /--speed expects/],
    [['record', 'binance:BTC/USDT'], /record needs --out FILE/],
    [['stream', 'binance:BTC/USDT', '--rotate-size', '1M'], /need --record FILE/],
    [['record', 'binance:BTC/USDT', '--out', 'x.gz', '--rotate-size', 'big'], /--rotate-size expects/],
    [['serve', '--replay', other, 'binance:BTC/USDT'], /give no markets/],
    [['record', 'binance:BTC/USDT', '--endpoint', 'binance=ws://127.0.0.1:1,http://127.0.0.1:1', '--out', join(dir, 'no/such/dir.gz')], /cannot write the recording/],
  ])('%j', async (args, message) => {
    run = runCli(args);
    const { code } = await run.exit;
    expect(code).toBe(2);
    const err = run.stderr().trim();
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toMatch(message);
    expect(await run.lines(ALL)).toEqual([]);
  });
});
