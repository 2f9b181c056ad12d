import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ReportThrottle } from '../../src/pipeline/report-throttle.js';

describe('ReportThrottle (virtual time)', () => {
  it('lets 10 reports a second through, counts the rest and names their number in the next one', () => {
    const vts = new VirtualTimeScheduler();
    const t = new ReportThrottle(vts);
    const out: number[] = [];
    for (let i = 0; i < 25; i++) out.push(t.take());
    expect(out.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(out.slice(10)).toEqual(Array(15).fill(-1));
    vts.flush(); // the second is over: a full budget
    expect(vts.now()).toBe(1000);
    expect(t.take()).toBe(15); // the suppressed ones are named once
    expect(t.take()).toBe(0);
  });

  it('a new socket restores the budget at once', () => {
    const vts = new VirtualTimeScheduler();
    const t = new ReportThrottle(vts, 2);
    expect([t.take(), t.take(), t.take()]).toEqual([0, 0, -1]);
    t.reset();
    expect(t.take()).toBe(1);
  });
});
