/**
 * The local server's subscribe command takes a native id (`binance:BTCUSDT@book`): it is the unified stream
 * (`binance:BTC/USDT@book`) — one upstream subscription however a client spells it, the book equal to the
 * simulator's truth, unsubscribed by either name.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClientBookEqualsTruth, simReceived, startServerHarness, type ServerHarness } from './server-harness.js';

let h: ServerHarness;
beforeEach(async () => {
  h = await startServerHarness();
});
afterEach(async () => {
  await h.close();
});

const UNIFIED = 'binance:BTC/USDT@book';
const subscribes = (): number => simReceived(h, 'btcusdt@depth@100ms').filter((f) => f.data.includes('"SUBSCRIBE"')).length;

describe('server subscribe by native id', () => {
  it('binance:BTCUSDT@book is acked and streamed as binance:BTC/USDT@book; one upstream subscription with a unified subscriber', async () => {
    const a = await h.client();
    const ack = await a.command({ op: 'subscribe', streams: ['binance:btcusdt@book'] });
    expect(ack).toMatchObject({ type: 'ack', subscriptions: [{ stream: UNIFIED }] });
    await expectClientBookEqualsTruth(h, a, UNIFIED, 20);
    // the same stream under its other name is the same subscription
    expect(await a.command({ op: 'subscribe', streams: [UNIFIED] })).toMatchObject({ type: 'error', message: expect.stringMatching(/already subscribed/) });
    const b = await h.client();
    await b.command({ op: 'subscribe', streams: [UNIFIED] });
    await expectClientBookEqualsTruth(h, b, UNIFIED, 10);
    expect(subscribes()).toBe(1);
    expect(await a.command({ op: 'unsubscribe', streams: ['binance:BTCUSDT@book'] })).toMatchObject({ type: 'ack', streams: [UNIFIED] });
    expect(await a.command({ op: 'list' })).toMatchObject({ type: 'ack', subscriptions: [] });
  });

  it('an unknown native id is refused as an unknown symbol', async () => {
    const a = await h.client();
    expect(await a.command({ op: 'subscribe', streams: ['binance:BTCUSDC@book'] })).toMatchObject({
      type: 'error',
      code: 'TW_ERR_UNKNOWN_SYMBOL',
      streams: ['binance:BTCUSDC@book'],
    });
  });
});
