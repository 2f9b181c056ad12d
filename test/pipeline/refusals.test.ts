import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Refusals, isPermanentRefusal } from '../../src/pipeline/refusals.js';
import { backoffDelay } from '../../src/util/backoff.js';
import { mulberry32 } from '../../src/util/prng.js';

const backoff = { initialMs: 250, maxMs: 30_000, factor: 2 };

describe('refusal policy', () => {
  it('only an unknown symbol the instrument list does not name as trading is permanent', () => {
    expect(isPermanentRefusal('TW_ERR_UNKNOWN_SYMBOL', false)).toBe(true);
    expect(isPermanentRefusal('TW_ERR_UNKNOWN_SYMBOL', true)).toBe(false); // listed and trading: a glitch, retried
    expect(isPermanentRefusal('TW_ERR_REST_RATE_LIMIT', false)).toBe(false);
    expect(isPermanentRefusal('TW_ERR_EXCHANGE_ERROR', false)).toBe(false);
  });

  it('transient refusals back off per stream with the seeded jitter, and one retry is pending per stream', () => {
    const vts = new VirtualTimeScheduler();
    const r = new Refusals(vts, backoff, mulberry32(7));
    const expected = mulberry32(7);
    const retried: Array<[number, string]> = [];
    const verdicts = [1, 2, 3].map(() => r.refuse('BTCUSDT', 'book', 'TW_ERR_REST_RATE_LIMIT', true));
    expect(verdicts.map((v) => (v.permanent ? -1 : v.attempt))).toEqual([1, 2, 3]);
    expect(verdicts.map((v) => (v.permanent ? -1 : v.retryInMs))).toEqual([1, 2, 3].map((n) => backoffDelay(n, backoff, expected)));
    const last = verdicts[2]!;
    if (last.permanent) throw new Error('transient expected');
    r.retryAfter('BTCUSDT', 'book', 100, () => retried.push([vts.now(), 'first']));
    r.retryAfter('BTCUSDT', 'book', last.retryInMs, () => retried.push([vts.now(), 'second'])); // replaces the first
    vts.flush();
    expect(retried).toEqual([[last.retryInMs, 'second']]);
    expect(r.size).toBe(1);
  });

  it('data that flows clears the attempts and cancels the retry; a permanent verdict records nothing', () => {
    const vts = new VirtualTimeScheduler();
    const r = new Refusals(vts, backoff, () => 0.5);
    let retried = 0;
    r.refuse('ETHUSDT', 'trades', 'TW_ERR_EXCHANGE_ERROR', false);
    r.retryAfter('ETHUSDT', 'trades', 500, () => retried++);
    r.clear('ETHUSDT', 'trades');
    vts.flush();
    expect(retried).toBe(0);
    expect(r.size).toBe(0);
    const again = r.refuse('ETHUSDT', 'trades', 'TW_ERR_EXCHANGE_ERROR', false);
    expect(again).toMatchObject({ permanent: false, attempt: 1 });
    expect(r.refuse('XYZUSDT', 'book', 'TW_ERR_UNKNOWN_SYMBOL', false)).toEqual({ permanent: true });
    expect(r.size).toBe(1);
    r.close();
    expect(r.size).toBe(0);
  });
});
