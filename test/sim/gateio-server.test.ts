/**
 * The Gate.io simulator over a raw socket, read back through the real adapter: `spot.ping` → `spot.pong`, acks echo
 * the request id, an unknown pair is refused by name while the other pairs of the request are subscribed, pushes
 * chain `U = previous u + 1`, and the REST snapshot's `id` is the last push's `u` with the true book at that id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateioAdapter } from '../../src/exchanges/gateio/index.js';
import type { DeltaMessage, WireMessage } from '../../src/exchanges/types.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { WsProbe } from './helpers.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSim({ exchanges: ['gateio'], symbols: ['BTC/USDT', 'ETH/USDT'], seed: 5, intervalMs: 20 });
});
afterAll(async () => {
  await sim.close();
});

const parsed = (p: WsProbe): WireMessage[] => p.frames.flatMap((f) => gateioAdapter.parse(f, { bookDepth: 0, instruments: new Map() }));

describe('gateio simulator', () => {
  it('pong, acks with the id, an unknown pair refused by name, pushes chained', async () => {
    const p = await WsProbe.open(`${sim.endpoints.gateio!.ws}/ws/v4/`);
    p.send({ time: 1, channel: 'spot.ping' });
    await p.until(() => parsed(p).some((m) => m.kind === 'pong'), 5000, 'pong');
    p.send({ time: 1, id: 11, channel: 'spot.trades', event: 'subscribe', payload: ['NOPE_USDT', 'ETH_USDT'] });
    p.send({ time: 1, id: 12, channel: 'spot.order_book_update', event: 'subscribe', payload: ['BTC_USDT', '100ms'] });
    await p.until(() => parsed(p).filter((m) => m.kind === 'book').length >= 5 && parsed(p).some((m) => m.kind === 'trade'), 5000, 'pushes');
    const msgs = parsed(p);
    expect(msgs).toContainEqual(expect.objectContaining({ kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', market: 'NOPE_USDT', channel: 'trades', id: 11 }));
    expect(msgs).toContainEqual({ kind: 'ack', id: 12 });
    expect(msgs.some((m) => m.kind === 'trade' && m.market === 'ETH_USDT')).toBe(true);
    const books = msgs.filter((m): m is DeltaMessage => m.kind === 'book');
    for (let i = 1; i < books.length; i++) expect(books[i]!.firstUpdateId).toBe(books[i - 1]!.updateId! + 1);
    // REST: the book as of the last push, `id` its `u`, equal to the truth at that id (top 100)
    const res = await fetch(`${sim.endpoints.gateio!.rest}/api/v4/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true`);
    const snap = gateioAdapter.book.parseSnapshot!(await res.text());
    const truth = sim.trueBookAt('gateio', 'BTC/USDT', snap.updateId)!;
    expect({ bids: snap.bids, asks: snap.asks }).toEqual({ bids: truth.bids.slice(0, 100), asks: truth.asks.slice(0, 100) });
    await p.until(() => parsed(p).some((m) => m.kind === 'book' && m.updateId === snap.updateId), 5000, 'the push REST stands at');
    p.close();
  });

  it('currency_pairs lists the served pairs with their decimals', async () => {
    const res = await fetch(`${sim.endpoints.gateio!.rest}/api/v4/spot/currency_pairs`);
    const inst = gateioAdapter.parseInstruments(await res.text());
    expect(inst.map((i) => [i.market, i.symbol, i.pricePrecision, i.qtyPrecision, i.trading])).toEqual([
      ['BTC_USDT', 'BTC/USDT', 2, 5, true],
      ['ETH_USDT', 'ETH/USDT', 2, 4, true],
    ]);
  });
});
