/**
 * `tickwire stream --stdout-buffer` far smaller than one book snapshot, with a reader that stalls then reads again:
 * the output converges (a gap status, a fresh snapshot, then every delta, chained) instead of looping gap →
 * snapshot → gap forever, and the drops are said on stderr.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createInterface } from 'node:readline';
import { MarketEvent, type StatusEvent } from '../../src/schema/events.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { runCli, type CliRun } from '../helpers/cli.js';

let run: CliRun | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  await sim?.close();
  run = undefined;
  sim = undefined;
});

/** Resolves once the run's stderr matches `re` (polled; bounded). */
async function stderrMatches(r: CliRun, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(r.stderr());
    if (m) return m;
    if (Date.now() > end || r.child.exitCode !== null) throw new Error(`stderr never matched ${String(re)}: ${r.stderr().slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const isBackpressure = (l: string): boolean => l.includes('"TW_ERR_BACKPRESSURE"');
const isDelta = (l: string): boolean => l.includes('"type":"book_delta"');

/** Book deltas after the last backpressure gap of `lines`. */
function deltasSinceLastGap(lines: string[]): number {
  let n = 0;
  for (let i = lines.length - 1; i >= 0 && !isBackpressure(lines[i]!); i--) if (isDelta(lines[i]!)) n++;
  return n;
}

describe('tickwire stream --stdout-buffer smaller than a snapshot', () => {
  it('converges after a stalled reader: gap, one fresh snapshot, then every delta; drops reported on stderr', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 7, intervalMs: 5, symbols: ['BTC/USDT'] });
    const ep = sim.endpoints.binance!;
    run = runCli(['stream', 'binance:BTC/USDT', '--channels', 'book', '--endpoint', `binance=${ep.ws},${ep.rest}`, '--stdout-buffer', '100', '--log-level', 'warn']);
    // every line, checked as it comes (a reader that re-scanned all lines per line would itself become the slow one)
    const all: string[] = [];
    let gaps = 0;
    let since = 0;
    const converged = new Promise<string[]>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no run of 200 deltas after a gap; ${gaps} gap(s), ${all.length} lines; ${run?.stderr().slice(-400)}`)), 40_000);
      createInterface({ input: run!.child.stdout }).on('line', (l) => {
        all.push(l);
        if (isBackpressure(l)) {
          gaps++;
          since = 0;
        } else if (isDelta(l) && ++since >= 200 && gaps > 0) {
          clearTimeout(t);
          resolve(all.slice());
        }
      });
    });
    await run.lines(1);
    run.child.stdout.pause(); // the reader stalls: the pipe fills, then events are dropped
    const warned = await stderrMatches(run, /stdout reader too slow: (\d+) event\(s\) dropped/, 20_000);
    expect(Number(warned[1])).toBeGreaterThan(0);
    run.child.stdout.resume(); // and reads again, fast enough for the deltas
    // before the fix the output looped gap → snapshot → gap (or gap → status → gap) and no delta run ever followed
    const lines = await converged;
    expect(deltasSinceLastGap(lines)).toBeGreaterThanOrEqual(200);
    const events = lines.map((l) => MarketEvent.parse(JSON.parse(l)));
    let gapAt = events.length - 1;
    while (gapAt >= 0 && !(events[gapAt]!.type === 'status' && (events[gapAt] as StatusEvent).code === 'TW_ERR_BACKPRESSURE')) gapAt--;
    expect(gapAt).toBeGreaterThan(0);
    const gap = events[gapAt] as StatusEvent;
    expect(gap).toMatchObject({ state: 'gap', channel: 'book' });
    // after the gap: the fresh snapshot, then deltas whose seq and exchange update ids are unbroken
    const book = events.slice(gapAt + 1).filter((e) => e.type === 'book_snapshot' || e.type === 'book_delta');
    expect(book[0]!.type).toBe('book_snapshot');
    expect(book.filter((e) => e.type === 'book_snapshot')).toHaveLength(1);
    for (let i = 1; i < book.length; i++) {
      const prev = book[i - 1]!;
      const e = book[i]!;
      expect(e.seq, `seq after ${prev.seq}`).toBe(prev.seq + 1);
      if (e.type === 'book_delta' && 'firstUpdateId' in e) expect(e.firstUpdateId).toBe((prev.updateId ?? -2) + 1);
    }
    // the bound was raised to hold a snapshot, and said so
    expect(run.stderr()).toMatch(/--stdout-buffer 100 raised to \d+/);
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
  }, 90_000);
});
