/**
 * Every bad command gets a clear error sent to that client only, and nothing else changes: the client's
 * subscriptions, its data stream (no seq hole), the other clients, and what the simulator was asked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClientBookEqualsTruth, expectContiguous, simReceived, startServerHarness, type ServerHarness } from './server-harness.js';

const BTC = 'binance:BTC/USDT@book';
let h: ServerHarness;

beforeEach(async () => {
  h = await startServerHarness({ server: { limits: { maxSubscriptionsPerClient: 3, maxFrameBytes: 1024, maxPayloadBytes: 8192 } } });
});
afterEach(async () => {
  await h.close();
});

describe('bad commands', () => {
  it('each gets its error; subscriptions, data streams, other clients and the upstream stay as they were', async () => {
    const c = await h.client();
    const other = await h.client();
    await c.command({ op: 'subscribe', streams: [BTC] });
    await other.command({ op: 'subscribe', streams: [BTC] });
    await expectClientBookEqualsTruth(h, c, BTC, 10);
    const sentBefore = simReceived(h, 'SUBSCRIBE').length;
    const otherRepliesBefore = other.messages.filter((m) => m.type === 'error' || m.type === 'ack').length;

    const raw = async (text: string): Promise<Record<string, unknown>> => {
      const from = c.messages.length;
      c.send(text);
      return c.waitFor((m) => m.type === 'error' || m.type === 'ack', `reply to ${text.slice(0, 40)}`, 5_000, from);
    };
    const cases: Array<[string, Record<string, unknown>]> = [
      ['not json{', { id: null, message: expect.stringContaining('malformed JSON') }],
      ['[1,2]', { id: null, message: expect.stringContaining('JSON object') }],
      ['{"op":"fly","id":2}', { id: 2, message: expect.stringContaining('unknown op "fly"') }],
      ['{"id":3}', { id: 3, message: expect.stringContaining('unknown op') }],
      ['{"op":"subscribe","id":4}', { id: 4, message: expect.stringContaining('invalid subscribe command: streams') }],
      ['{"op":"subscribe","id":5,"streams":["nasdaq:AAPL/USD@book"]}', { id: 5, message: expect.stringContaining('unknown exchange "nasdaq"') }],
      ['{"op":"subscribe","id":6,"streams":["binance:BTC/USDT@candles"]}', { id: 6, message: expect.stringContaining('unknown channel "candles"') }],
      ['{"op":"subscribe","id":7,"streams":["BTCUSDT"]}', { id: 7, message: expect.stringContaining('bad stream name') }],
      [
        '{"op":"subscribe","id":8,"streams":["binance:ETH/USDT@trades","binance:NOPE/USDT@trades"]}',
        { id: 8, code: 'TW_ERR_UNKNOWN_SYMBOL', streams: ['binance:NOPE/USDT@trades'] },
      ],
      [
        '{"op":"subscribe","id":9,"streams":["binance:ETH/USDT@book","binance:SOL/USDT@book","binance:XRP/USDT@book"]}',
        { id: 9, message: expect.stringContaining('too many subscriptions') },
      ],
      ['{"op":"subscribe","id":10,"streams":["binance:BTC/USDT@book"]}', { id: 10, message: expect.stringContaining('already subscribed') }],
      ['{"op":"unsubscribe","id":11,"streams":["binance:ETH/USDT@book"]}', { id: 11, message: expect.stringContaining('not subscribed') }],
      ['{"op":"subscribe","id":12,"streams":["binance:ETH/USDT@book"],"top":-1}', { id: 12, message: expect.stringContaining('top') }],
      ['{"op":"ping","id":13,"extra":true}', { id: 13, message: expect.stringContaining('invalid ping command') }],
      [JSON.stringify({ op: 'ping', id: 14, pad: 'x'.repeat(2000) }), { id: null, message: expect.stringContaining('over the 1024-byte limit') }],
    ];
    for (const [text, want] of cases) {
      const r = await raw(text);
      expect(r, text).toMatchObject({ type: 'error', code: 'TW_ERR_CLIENT_REQUEST', ...want });
    }
    // binary frames too
    const from = c.messages.length;
    c.ws.send(Buffer.from('{"op":"ping","id":15}'), { binary: true });
    expect(await c.waitFor((m) => m.type === 'error', 'binary reply', 5_000, from)).toMatchObject({
      message: expect.stringContaining('binary'),
    });

    // nothing else changed
    const list = await c.command({ op: 'list' });
    expect((list.subscriptions as Array<{ stream: string }>).map((s) => s.stream)).toEqual([BTC]);
    expect(simReceived(h, 'SUBSCRIBE').length).toBe(sentBefore);
    expect(simReceived(h, 'ethusdt').length + simReceived(h, 'nopeusdt').length).toBe(0);
    expect(other.messages.filter((m) => m.type === 'error' || m.type === 'ack').length).toBe(otherRepliesBefore);
    await expectClientBookEqualsTruth(h, c, BTC, c.books.get(BTC)!.deltas + 10);
    expectContiguous(c.stream(BTC));
    expectContiguous(other.stream(BTC));
    expect(h.server.clients().size).toBe(2);
    expect(await c.command({ op: 'ping' })).toMatchObject({ type: 'ack', op: 'ping' });
  });

  it('a frame over maxPayload closes only that client (1009); the others keep streaming', async () => {
    const c = await h.client();
    const other = await h.client();
    await other.command({ op: 'subscribe', streams: [BTC] });
    await other.waitFor((m) => m.type === 'book_snapshot', 'snapshot', 8_000, 0);
    c.send('x'.repeat(10_000));
    expect((await c.closed).code).toBe(1009);
    await expectClientBookEqualsTruth(h, other, BTC, 20);
    expectContiguous(other.stream(BTC));
    expect(h.server.clients().size).toBe(1);
  });
});
