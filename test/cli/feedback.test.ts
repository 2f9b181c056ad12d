/**
 * Feedback on long work: `record` logs a periodic and a final summary whose byte count is the file on disk, and
 * `replay` ends with a summary whose event count is what it printed. The counting parts as units.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/schema/events.js';
import { Tally, humanBytes, progressBar, summaryLine } from '../../src/cli/human/progress.js';
import { runCli, type CliRun } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-feedback-'));
let run: CliRun | undefined;
afterEach(() => {
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  run = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const records = (r: CliRun): Array<Record<string, unknown>> =>
  r.stderr().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('record and replay feedback (CLI)', { timeout: 60_000 }, () => {
  it('record: periodic summaries, then a final one whose bytes are the file on disk; replay: events = lines printed', async () => {
    const file = join(dir, 'fb.ndjson.gz');
    run = runCli(['record', '--sim', '--out', file, '--summary-every', '1']);
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (records(run!).some((r) => r.summary !== undefined && (r.recording as { frames: number }).frames > 0)) resolve();
      };
      run!.child.stderr.on('data', check);
    });
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
    const final = records(run).find((r) => r.final === true)!;
    expect(final.msg).toMatch(/^total: binance [\d.]+\/s · books 2\/2 live · 0 dropped · recorded \d+ frames, .* in 1 part\(s\)$/);
    expect((final.recording as { bytes: number }).bytes).toBe(statSync(file).size);

    const replayRun = runCli(['replay', file, '--log-level', 'info']);
    const lines = await replayRun.lines(1_000_000);
    expect((await replayRun.exit).code).toBe(0);
    const summary = records(replayRun).find((r) => typeof r.msg === 'string' && r.msg.startsWith('replayed'))!;
    expect(summary).toMatchObject({ events: lines.length, books: 2 });
    expect(summary.msg).toMatch(/; no damage$/);
  });
});

describe('tally', () => {
  const ev = (x: Partial<MarketEvent> & { type: MarketEvent['type'] }): MarketEvent =>
    ({ exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', localTime: 1, seq: 1, epoch: 'e', ...x }) as MarketEvent;
  it('events per second per exchange over the period, books live of total, dropped', () => {
    const t = new Tally();
    for (let i = 0; i < 30; i++) t.observe(ev({ type: 'trade', tradeId: '1', price: '1', size: '1', side: 'buy' }));
    t.observe(ev({ type: 'book_snapshot', integrity: 'chained', bids: [], asks: [] }));
    t.observe(ev({ type: 'book_snapshot', symbol: 'ETH/USDT', integrity: 'chained', bids: [], asks: [] }));
    t.observe(ev({ type: 'status', scope: 'stream', channel: 'book', state: 'resyncing', code: 'TW_ERR_SEQUENCE_GAP', reason: 'gap' }));
    t.observe({ ...ev({ type: 'trade', tradeId: '2', price: '1', size: '1', side: 'sell' }), exchange: 'okx' } as MarketEvent);
    t.dropped(5);
    const r = t.report(2000);
    expect(r).toEqual({ eventsPerSec: { binance: 16.5, okx: 0.5 }, events: 34, books: { live: 1, total: 2 }, dropped: 5 });
    expect(summaryLine(r)).toBe('binance 16.5/s, okx 0.5/s · books 1/2 live · 5 dropped');
    expect(t.report(1000).eventsPerSec).toEqual({}); // the period starts again
  });

  it('progress bar and byte sizes', () => {
    expect(progressBar(0.5, 10)).toBe('[#####-----]  50%');
    expect(progressBar(2, 4)).toBe('[####] 100%');
    expect(progressBar(NaN, 4)).toBe('[----]   0%');
    expect(humanBytes(999)).toBe('999 B');
    expect(humanBytes(41_602)).toBe('41.6 kB');
    expect(humanBytes(3_400_000)).toBe('3.4 MB');
  });
});
