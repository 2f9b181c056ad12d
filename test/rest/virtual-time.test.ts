import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { RestScheduler, type HttpGet, type RestResponse } from '../../src/rest/index.js';

/**
 * Lets pending promise callbacks run, then advances virtual time to the earliest timer only (a plain flush() would
 * run every timer, request timeouts included, before any response promise could settle); bounded.
 */
async function drive(vts: VirtualTimeScheduler, done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) {
    await new Promise((r) => setImmediate(r));
    const next = vts.actions[0];
    if (next === undefined) continue;
    vts.maxFrames = next.delay;
    vts.flush();
  }
}

describe('RestScheduler on a virtual-time scheduler (production-sized waits)', () => {
  it('a real-sized Retry-After (30 s) and the 60 s weight window run on the injected scheduler', async () => {
    const vts = new VirtualTimeScheduler();
    const calls: Array<{ at: number; url: string }> = [];
    const replies: RestResponse[] = [
      { status: 429, headers: { 'retry-after': '30' }, body: '' },
      { status: 200, headers: { 'x-mbx-used-weight-1m': '4790' }, body: '{}' },
      { status: 200, headers: { 'x-mbx-used-weight-1m': '60' }, body: '{}' },
    ];
    const http: HttpGet = (url) => {
      calls.push({ at: vts.now(), url });
      return Promise.resolve(replies.shift() ?? { status: 200, headers: {}, body: '{}' });
    };
    const s = new RestScheduler({ origin: 'https://api.binance.com', usedWeightHeader: 'x-mbx-used-weight-1m', scheduler: vts, http, maxInFlight: 1 });
    let resolved = 0;
    const req = { path: '/api/v3/depth?symbol=BTCUSDT&limit=1000', weight: 50 };
    void s.request(req).then(() => resolved++);
    void s.request(req).then(() => resolved++);
    await drive(vts, () => resolved === 2);
    expect(resolved).toBe(2);
    // 0: 429 → host paused 30 s; 30 000: retry ok, server says 4790 of 6000 used (budget 4800) → the next
    // weight-50 request waits until that reading leaves the 60 s window
    expect(calls.map((c) => c.at)).toEqual([0, 30_000, 90_000]);
    expect(s.usedWeight).toBe(60);
    s.close();
  });
});
