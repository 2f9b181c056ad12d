/**
 * Bybit connection behaviour end to end: spot's 10-args-per-subscribe limit (the simulator rejects more with
 * `args size >10`, like Bybit) and the text keepalive `{"op":"ping"}` answered by pongs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeId } from '../../src/schema/events.js';
import { isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('bybit spot connection', () => {
  it('three symbols × book, ticker (2 topics), trades on one connection: subscribes in requests of ≤ 10 args, all live', async () => {
    const symbols = ['BTC/USDT', 'ETH/USDT', 'XRP/USDT'];
    h = await startHarness({
      exchanges: ['bybit'],
      markets: symbols.map((s) => `bybit:${s}`),
      config: { channels: ['book', 'ticker', 'trades'], bookDepth: 50, symbolsPerConnection: 10, pingIntervalMs: 100 },
    });
    const harness = h;
    await Promise.all(symbols.map((s) => harness.waitFor(isStatus({ exchange: 'bybit' as ExchangeId, symbol: s, channel: 'book', state: 'live' }), `${s} live`)));
    for (const s of symbols) {
      await harness.waitFor((e) => e.type === 'ticker' && e.symbol === s && e.bidPrice !== undefined, `${s} ticker`);
      await harness.waitFor((e) => e.type === 'trade' && e.symbol === s, `${s} trade`);
    }
    const recv = harness.sim.entries('bybit').filter((e) => e.kind === 'ws-recv').map((e) => JSON.parse(e.data!) as { op: string; args?: string[] });
    const subs = recv.filter((m) => m.op === 'subscribe');
    expect(subs.length).toBeGreaterThanOrEqual(2);
    expect(subs.every((m) => (m.args ?? []).length <= 10)).toBe(true);
    expect(new Set(subs.flatMap((m) => m.args ?? [])).size).toBe(12);
    expect(harness.statuses({ state: 'error' })).toEqual([]);
    // keepalive: the connection sends a text ping after 100 ms without frames; under a data silence the pongs
    // (control frames, not silenced) keep it from going stale
    const pongs = () => harness.sim.entries('bybit').filter((e) => e.kind === 'ws-send-control' && e.data?.includes('"ret_msg":"pong"')).length;
    harness.sim.fault('bybit', { kind: 'silence' });
    const base = pongs();
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 5000;
      const check = setInterval(() => {
        if (pongs() >= base + 3) {
          clearInterval(check);
          resolve();
        } else if (Date.now() > deadline) {
          clearInterval(check);
          reject(new Error('no pongs under silence'));
        }
      }, 20);
    });
    expect(harness.sim.entries('bybit').some((e) => e.kind === 'ws-recv' && e.data === '{"op":"ping"}')).toBe(true);
    expect(harness.statuses({ code: 'TW_ERR_STALE' })).toEqual([]);
  });
});
