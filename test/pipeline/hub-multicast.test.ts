/**
 * The hub multicasts every event to all its subscribers itself: a subscriber that leaves in the middle of an emit
 * does not make another one miss or reorder an event; closing completes everyone, and a late subscriber of a
 * closed hub completes at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Subscription } from 'rxjs';
import { Hub } from '../../src/pipeline/hub.js';
import { parseConfig } from '../../src/config.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import type { MarketEvent } from '../../src/schema/events.js';

let sim: Simulator | undefined;
let hub: Hub | undefined;
afterEach(async () => {
  hub?.close();
  hub = undefined;
  await sim?.close();
  sim = undefined;
});

describe('hub multicast', () => {
  it('a subscriber leaving mid-emit costs the others nothing; close completes them all', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 11, intervalMs: 10 });
    const h = (hub = new Hub(parseConfig({ endpoints: { binance: sim.endpoints.binance! }, reconcileIntervalMs: 0 })));
    const seqs = (list: MarketEvent[]) => list.filter((e) => e.type === 'book_delta').map((e) => e.seq);
    const a: MarketEvent[] = [];
    const c: MarketEvent[] = [];
    let bSub: Subscription | undefined;
    let bCount = 0;
    let completed = 0;
    const enough = new Promise<void>((resolve) => {
      h.events$.subscribe({
        next: (e) => {
          a.push(e);
          if (seqs(a).length >= 60) resolve();
        },
        complete: () => completed++,
      });
    });
    // b subscribes second and leaves from inside its own next, on its 20th delta; c subscribed after b
    bSub = h.events$.subscribe({
      next: (e) => {
        if (e.type === 'book_delta' && ++bCount === 20) bSub?.unsubscribe();
      },
      complete: () => completed++,
    });
    h.events$.subscribe({ next: (e) => c.push(e), complete: () => completed++ });
    await h.add('binance', 'BTC/USDT', ['book']);
    await enough;
    expect(bCount).toBe(20);
    const want = seqs(a);
    expect(want.length).toBeGreaterThanOrEqual(60);
    for (let i = 1; i < want.length; i++) expect(want[i]).toBe(want[i - 1]! + 1);
    expect(seqs(c).slice(0, want.length)).toEqual(want); // the same events, in the same order
    h.close();
    expect(completed).toBe(2); // a and c; b had left
    let late = false;
    h.events$.subscribe({ complete: () => (late = true) });
    expect(late).toBe(true);
  });
});
