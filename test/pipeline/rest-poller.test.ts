/**
 * The derivative REST poller (src/pipeline/rest-poller.ts) on virtual time, with the real COIN-M adapter hook
 * (`pollRequest`/`parsePoll`): a market is polled at once and then every interval, at the low poll priority; a
 * failure (HTTP error, error body, unreadable body) is reported and gives no value, and the next tick polls again;
 * at most one request per market is outstanding; a removed market is no longer polled.
 */
import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import pino from 'pino';
import { binanceDeliveryAdapter } from '../../src/exchanges/binance/delivery.js';
import { pollerFor, POLL_PRIORITY } from '../../src/pipeline/rest-poller.js';
import type { RestRequest } from '../../src/rest/request.js';
import type { WireMessage } from '../../src/exchanges/types.js';

const body = (oi: string, time: number) => `{"symbol":"BTCUSD_PERP","pair":"BTCUSD","openInterest":"${oi}","contractType":"PERPETUAL","time":${time}}`;

function setup(replies: Array<() => Promise<{ body: string }>>) {
  const vts = new VirtualTimeScheduler();
  const calls: Array<{ at: number; req: RestRequest; priority: number }> = [];
  const got: WireMessage[] = [];
  let errors = 0;
  const metrics = { inc: () => errors++ } as unknown as Parameters<typeof pollerFor>[2]['metrics'];
  const poller = pollerFor(binanceDeliveryAdapter, 60_000, {
    scheduler: vts,
    fetch: (req, opts) => {
      calls.push({ at: vts.now(), req, priority: opts.priority });
      const next = replies.shift();
      return next ? next() : Promise.resolve({ body: body('1', vts.now()) });
    },
    onMessage: (m) => got.push(m),
    logger: pino({ level: 'silent' }),
    metrics,
  })!;
  const advance = async (ms: number) => {
    await new Promise((r) => setImmediate(r));
    vts.maxFrames = vts.now() + ms;
    vts.flush();
    await new Promise((r) => setImmediate(r));
  };
  return { vts, calls, got, poller, advance, errors: () => errors };
}

describe('RestPoller (open interest over REST)', () => {
  it('polls at once and every interval, at the poll priority; values exactly as served, unit contracts', async () => {
    const t = setup([() => Promise.resolve({ body: body('517655', 1000) }), () => Promise.resolve({ body: body('517700', 61000) })]);
    t.poller.add('BTCUSD_PERP');
    await t.advance(0);
    await t.advance(60_000);
    expect(t.calls.map((c) => [c.at, c.req.path, c.req.weight, c.priority])).toEqual([
      [0, '/dapi/v1/openInterest?symbol=BTCUSD_PERP', 1, POLL_PRIORITY],
      [60_000, '/dapi/v1/openInterest?symbol=BTCUSD_PERP', 1, POLL_PRIORITY],
    ]);
    expect(t.got).toEqual([
      { kind: 'derivative', market: 'BTCUSD_PERP', exchangeTime: 1_000_000, fields: { openInterest: '517655', openInterestUnit: 'contracts' } },
      { kind: 'derivative', market: 'BTCUSD_PERP', exchangeTime: 61_000_000, fields: { openInterest: '517700', openInterestUnit: 'contracts' } },
    ]);
    t.poller.close();
  });

  it('a failed poll and an error body give no value and are counted; the next tick polls again', async () => {
    const t = setup([
      () => Promise.reject(new Error('HTTP 500')),
      () => Promise.resolve({ body: '{"code":-1121,"msg":"Invalid symbol."}' }),
      () => Promise.resolve({ body: body('42', 120_000) }),
    ]);
    t.poller.add('BTCUSD_PERP');
    await t.advance(0);
    await t.advance(60_000);
    expect(t.got).toEqual([]);
    expect(t.errors()).toBe(2);
    await t.advance(60_000);
    expect(t.got.map((m) => (m.kind === 'derivative' ? m.fields.openInterest : undefined))).toEqual(['42']);
    expect(t.calls.map((c) => c.at)).toEqual([0, 60_000, 120_000]);
    t.poller.close();
  });

  it('a slow request is not stacked: one outstanding per market; a removed market is not polled again', async () => {
    let release: (v: { body: string }) => void = () => {};
    const t = setup([() => new Promise((r) => (release = r))]);
    t.poller.add('BTCUSD_PERP');
    await t.advance(0);
    await t.advance(60_000);
    await t.advance(60_000);
    expect(t.calls.length).toBe(1); // still in flight at both ticks
    release({ body: body('7', 0) });
    await t.advance(60_000);
    expect(t.calls.length).toBe(2);
    t.poller.remove('BTCUSD_PERP');
    await t.advance(600_000);
    expect(t.calls.length).toBe(2);
    expect(t.vts.actions.length).toBe(0); // no timer left
    t.poller.close();
  });

  it('no hook or interval 0: no poller', () => {
    const deps = { scheduler: new VirtualTimeScheduler(), fetch: () => Promise.resolve({ body: '' }), onMessage: () => {}, logger: pino({ level: 'silent' }), metrics: { inc: () => {} } as never };
    expect(pollerFor(binanceDeliveryAdapter, 0, deps)).toBeUndefined();
    expect(pollerFor({ ...binanceDeliveryAdapter, pollRequest: undefined } as never, 60_000, deps)).toBeUndefined();
  });
});
