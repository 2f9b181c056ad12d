import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { NoDataWatchdog, StreamActivity, watched } from '../../src/pipeline/no-data.js';
import type { Channel } from '../../src/schema/events.js';

describe('no-data watchdog', () => {
  it('reports a watched channel once when it is silent for the timeout, and again only after its data resumed', () => {
    const a = new StreamActivity();
    const channels: Channel[] = ['book', 'ticker', 'trades', 'liquidations'];
    a.restart(channels, 0);
    const silent: Array<[Channel, number]> = [];
    const report = (c: Channel, ms: number): number => silent.push([c, ms]);
    a.check(channels, 999, 1000, report);
    expect(silent).toEqual([]);
    expect(a.seen('ticker', 500)).toBe(0);
    a.check(channels, 1000, 1000, report);
    expect(silent).toEqual([['book', 1000]]); // trades and liquidations may rightly be quiet; the ticker had data at 500
    a.check(channels, 1400, 1000, report);
    expect(silent).toEqual([['book', 1000]]); // reported once
    expect(a.resumed('book')).toBe(true);
    expect(a.resumed('book')).toBe(false); // told once
    expect(a.seen('book', 1500)).toBe(0);
    a.check(channels, 2600, 1000, report);
    expect(silent).toEqual([['book', 1000], ['book', 1100], ['ticker', 2100]]);
  });

  it('a forgotten channel is not watched; a channel never seen counts from the check', () => {
    const a = new StreamActivity();
    const silent: Channel[] = [];
    a.restart(['book'], 0);
    a.forget('book');
    a.check(['book'], 5000, 1000, (c) => silent.push(c));
    expect(silent).toEqual([]);
    expect(watched('book') && watched('ticker') && watched('derivative')).toBe(true);
    expect(watched('trades') || watched('liquidations')).toBe(false);
  });

  it('ticks every quarter of the timeout (50 ms … 1 s) on the scheduler, from start to stop', () => {
    expect([100, 400, 10_000].map(NoDataWatchdog.periodOf)).toEqual([50, 100, 1000]);
    const vts = new VirtualTimeScheduler(undefined, 2000);
    const ticks: number[] = [];
    const w = new NoDataWatchdog(400, vts, (timeout) => ticks.push(vts.now() + timeout * 0));
    w.start();
    w.start(); // once
    vts.flush();
    expect(ticks.slice(0, 3)).toEqual([100, 200, 300]);
    expect(ticks).toHaveLength(20);
    w.stop();
  });
});
