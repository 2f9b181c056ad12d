/**
 * The fan-out of one book to several clients: each event's bytes are encoded once and every client's message is
 * its own prefix (`stream`, `epoch`, `seq`) + those bytes. Every client gets text frames, `seq` 1, 2, 3, … without a
 * hole under its own epoch, and each of its deltas is exactly the event the hub emitted (compared member by member
 * with the hub's own `events$`, `seq`/`epoch` aside), in the hub's order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../../src/schema/events.js';
import { expectContiguous, startServerHarness, type Msg, type ServerHarness, type TestClient } from './server-harness.js';

const BTC = 'binance:BTC/USDT@book';
let h: ServerHarness;

beforeEach(async () => {
  h = await startServerHarness();
});
afterEach(async () => {
  await h.close();
});

describe('fan-out: one book, several clients', () => {
  it("every client: text frames, gap-free seq under its own epoch, each delta exactly the hub's event, in order", async () => {
    const hubDeltas = new Map<number, MarketEvent>(); // by updateId
    const order: number[] = [];
    const sub = h.hub.events$.subscribe((e) => {
      if (e.type === 'book_delta' && e.symbol === 'BTC/USDT') {
        hubDeltas.set(e.updateId!, e);
        order.push(e.updateId!);
      }
    });
    const n = 5;
    const clients: TestClient[] = [];
    const binary: number[] = [];
    for (let i = 0; i < n; i++) {
      const c = await h.client();
      c.ws.on('message', (_data, isBinary) => {
        if (isBinary) binary.push(i);
      });
      clients.push(c);
    }
    await Promise.all(clients.map((c) => c.command({ op: 'subscribe', streams: [BTC] })));
    await Promise.all(clients.map((c) => c.waitFor(() => c.stream(BTC).filter((m) => m.type === 'book_delta').length >= 100, '100 deltas', 15_000, 0)));
    sub.unsubscribe();
    expect(binary).toEqual([]);
    const epochs = new Set<unknown>();
    for (const c of clients) {
      const msgs = c.stream(BTC);
      expectContiguous(msgs);
      epochs.add(msgs[0]!.epoch);
      const deltas = msgs.filter((m) => m.type === 'book_delta');
      for (const m of deltas) {
        const { stream: _s, epoch: _e, seq: _q, ...own } = m as Msg;
        const e = hubDeltas.get(own.updateId as number);
        expect(e, `hub event ${String(own.updateId)}`).toBeDefined();
        const { seq: _hs, epoch: _he, ...hubOwn } = e!;
        expect(own).toEqual(hubOwn);
      }
      // in the hub's order, from the first delta the client got
      const ids = deltas.map((m) => m.updateId as number);
      const from = order.indexOf(ids[0]!);
      expect(ids).toEqual(order.slice(from, from + ids.length));
    }
    expect(epochs.size).toBe(n); // one epoch per client subscription
  });
});
