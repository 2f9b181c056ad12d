/** The Bybit simulator's per-topic `u`: +1 per message, the change id each `u` showed, bounded history, restart. */
import { describe, expect, it } from 'vitest';
import { firstTopicU, TopicIds } from '../../src/sim/bybit-ids.js';

describe('bybit sim topic ids', () => {
  it('u rises by 1 per message and maps back to the change id it showed, within the kept history only', () => {
    const ids = new TopicIds('BTC/USDT', 50, 1000, 7, 100);
    const shown = new Map<number, number>([[1000, 7]]);
    let change = 7;
    for (let i = 1; i <= 1000; i++) {
      change += 1 + (i % 20); // change ids jump by 1–20 between messages
      const u = ids.next(change);
      expect(u).toBe(1000 + i);
      shown.set(u, change);
    }
    // the last 100 are always known, exactly; none older than keep + keep / 8; nothing beyond the last u
    for (let u = ids.u - 99; u <= ids.u; u++) expect(ids.changeAt(u)).toBe(shown.get(u));
    expect(ids.changeAt(ids.u - 113)).toBeUndefined();
    expect(ids.changeAt(ids.u + 1)).toBeUndefined();
    expect(ids.changeAt(1.5)).toBeUndefined();
  });

  it('restart: u starts again, earlier ids are forgotten', () => {
    const ids = new TopicIds('BTC/USDT', 50, 500, 10, 100);
    ids.next(11);
    ids.restart(1, 40);
    expect([ids.u, ids.changeAt(1), ids.changeAt(501)]).toEqual([1, 40, undefined]);
    expect(ids.next(45)).toBe(2);
    expect(ids.changeAt(2)).toBe(45);
  });

  it('depths count in disjoint ranges', () => {
    expect(firstTopicU(1, 123)).not.toBe(firstTopicU(50, 123));
    expect(firstTopicU(50, 10_000_000)).toBeLessThan(firstTopicU(200, 0));
  });
});
