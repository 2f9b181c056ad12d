/**
 * Per-IP limits shared by every connection to one host: OKX's 3 connection requests per second (checked in the
 * simulator's own log of WebSocket opens) and a shared message window across two throttles (virtual time).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { Throttle } from '../../src/connection/throttle.js';
import { RateWindow, SENT_WINDOW_MS } from '../../src/util/rate-window.js';
import { isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('per-host limits', () => {
  it('OKX: five connections open at most three per second, all books go live', async () => {
    const symbols = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BNB/USDT', 'XRP/USDT'];
    h = await startHarness({ exchanges: ['okx'], markets: symbols.map((s) => `okx:${s}`), config: { channels: ['book'] } });
    const hh = h; // books go live in any order: wait for all at once
    await Promise.all(symbols.map((s) => hh.waitFor(isStatus({ exchange: 'okx', symbol: s, state: 'live' }), `${s} live`, 10_000)));
    const opens = h.sim.entries('okx').filter((e) => e.kind === 'ws-open').map((e) => e.time);
    expect(opens).toHaveLength(5);
    for (let i = 3; i < opens.length; i++) expect(opens[i]! - opens[i - 3]!).toBeGreaterThanOrEqual(990);
  });

  it('a shared message window caps two connections together', () => {
    const scheduler = new VirtualTimeScheduler();
    const shared = new RateWindow(8, SENT_WINDOW_MS);
    const writes: number[] = [];
    const a = new Throttle<number>(8, scheduler, () => writes.push(scheduler.now()), shared);
    const b = new Throttle<number>(8, scheduler, () => writes.push(scheduler.now()), shared);
    for (let i = 0; i < 20; i++) {
      a.push(i);
      b.push(i);
    }
    scheduler.flush();
    expect(writes).toHaveLength(40);
    for (let i = 8; i < writes.length; i++) expect(writes[i]! - writes[i - 8]!).toBeGreaterThanOrEqual(SENT_WINDOW_MS);
  });
});
