import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { createServer } from 'node:net';
import { backoffCap, backoffDelay, DEFAULT_BACKOFF, resolveBackoff } from '../../src/util/backoff.js';
import { createConnection } from '../../src/connection/index.js';
import { recordEvents } from '../helpers/events.js';
import { seededRandom } from '../helpers/random.js';

describe('backoffDelay', () => {
  const b = resolveBackoff({ initialMs: 250, maxMs: 30_000, factor: 2 });

  it('defaults are 250 ms, 30 s, x2', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 250, maxMs: 30_000, factor: 2 });
    expect(resolveBackoff(undefined)).toEqual(DEFAULT_BACKOFF);
  });

  it('caps grow exponentially and stop at maxMs', () => {
    const caps = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => backoffCap(n, b));
    expect(caps).toEqual([250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffCap(0, b)).toBe(0);
    expect(backoffCap(1000, b)).toBe(30_000); // no overflow to Infinity/NaN
  });

  it('equal jitter: uniform in [cap/2, cap] on every attempt, so delays never shrink', () => {
    expect(backoffDelay(3, b, () => 0)).toBe(500);
    expect(backoffDelay(3, b, () => 0.5)).toBe(750);
    expect(backoffDelay(3, b, () => 0.999_999)).toBe(1000);
    const rnd = seededRandom(42);
    const delays = Array.from({ length: 200 }, (_, i) => ({ attempt: (i % 12) + 1, delay: 0 }));
    for (const d of delays) d.delay = backoffDelay(d.attempt, b, rnd);
    for (const d of delays) {
      expect(d.delay).toBeGreaterThanOrEqual(backoffCap(d.attempt, b) / 2);
      expect(d.delay).toBeLessThanOrEqual(backoffCap(d.attempt, b));
    }
    // jittered: the same attempt gives different delays, spread over its range
    const at8 = delays.filter((d) => d.attempt === 8).map((d) => d.delay);
    expect(new Set(at8).size).toBe(at8.length);
    expect(Math.min(...at8)).toBeLessThan(22_500);
    expect(Math.max(...at8)).toBeGreaterThan(22_500);
    // any delay of attempt n+1 is at least any delay of attempt n (below the cap)
    for (let n = 1; n < 6; n++) {
      const now = delays.filter((d) => d.attempt === n).map((d) => d.delay);
      const next = delays.filter((d) => d.attempt === n + 1).map((d) => d.delay);
      expect(Math.min(...next)).toBeGreaterThanOrEqual(Math.max(...now));
    }
  });

  it('rejects nonsense options', () => {
    expect(() => resolveBackoff({ factor: 0.5 })).toThrow(RangeError);
    expect(() => resolveBackoff({ initialMs: -1 })).toThrow(RangeError);
  });
});

async function refusedUrl(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const addr = srv.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  await new Promise<void>((r) => srv.close(() => r()));
  return `ws://127.0.0.1:${addr.port}`;
}

describe('reconnect schedule on a virtual-time scheduler', () => {
  it('waits the jittered, capped backoff on the injected scheduler between refused attempts', async () => {
    const url = await refusedUrl();
    const vts = new VirtualTimeScheduler();
    const random = seededRandom(7);
    const conn = createConnection({
      id: 'test#vts',
      url,
      keepalive: { staleAfterMs: 60_000 },
      controlMessagesPerSecond: 5,
      onOpen: () => [],
      backoff: { initialMs: 1000, maxMs: 8000, factor: 2 },
      scheduler: vts,
      random,
    });
    const connectingAt: number[] = [];
    const log = recordEvents(conn.events$);
    const sub = conn.events$.subscribe((e) => {
      if (e.kind === 'status' && e.state === 'connecting') connectingAt.push(vts.now());
      // the backoff wait is a virtual timer: run it (virtual time jumps by exactly delayMs)
      if (e.kind === 'status' && e.state === 'reconnecting') setImmediate(() => vts.flush());
    });
    await log.until(() => connectingAt.length >= 7, 10_000, '7 connection attempts');
    conn.close();
    sub.unsubscribe();

    const reconnecting = log.statuses().filter((s) => s.state === 'reconnecting');
    const expected = seededRandom(7);
    const expectDelays = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { initialMs: 1000, maxMs: 8000, factor: 2 }, expected));
    expect(reconnecting.slice(0, 6).map((s) => s.details?.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(reconnecting.slice(0, 6).map((s) => s.details?.delayMs)).toEqual(expectDelays);
    expect(reconnecting.every((s) => s.code === 'TW_ERR_SOCKET_ERROR')).toBe(true);
    // the time between attempts is exactly the announced delay, in virtual time
    const gaps = connectingAt.slice(1, 7).map((t, i) => t - (connectingAt[i] as number));
    expect(gaps).toEqual(expectDelays);
    const closed = log.statuses().find((s) => s.state === 'closed');
    expect(closed?.details?.closeCode).toBe(1006);
    expect(String(closed?.details?.error)).toMatch(/ECONNREFUSED/);
    expect(log.completed).toBe(true);
  });
});
