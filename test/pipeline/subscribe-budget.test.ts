import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { SubscribeBudget } from '../../src/pipeline/subscribe-budget.js';

const HOUR = 3_600_000;

describe('SubscribeBudget (virtual time)', () => {
  it('sends up to the limit per window, then holds the rest in order until the window frees', () => {
    const vts = new VirtualTimeScheduler();
    const sent: Array<[number, string]> = [];
    const b = new SubscribeBudget(480, HOUR, vts, (m) => sent.push([vts.now(), m]));
    b.reset(1); // the open's own subscribe message
    for (let i = 0; i < 240; i++) b.send([`unsub${i}`, `sub${i}`]);
    expect(sent).toHaveLength(479);
    expect(b.pending).toBe(1);
    expect(sent.at(-1)![1]).toBe('unsub239');
    vts.flush();
    expect(sent).toHaveLength(480);
    expect(sent.at(-1)).toEqual([HOUR, 'sub239']);
  });

  it('a new socket drops what waited and starts a new budget', () => {
    const vts = new VirtualTimeScheduler();
    const sent: string[] = [];
    const b = new SubscribeBudget(2, 1000, vts, (m) => sent.push(m));
    b.send(['a', 'b', 'c', 'd']);
    expect(sent).toEqual(['a', 'b']);
    b.reset(1);
    b.send(['e', 'f']);
    expect(sent).toEqual(['a', 'b', 'e']);
    vts.flush();
    expect(sent).toEqual(['a', 'b', 'e', 'f']);
  });
});
