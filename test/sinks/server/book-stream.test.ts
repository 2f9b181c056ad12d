/**
 * A book subscription over a real loopback WebSocket: ack, a full snapshot first, then deltas whose book equals
 * the simulator's true book at the same update id; after an upstream resync a status and a fresh snapshot;
 * `top`/`every` ladders instead of deltas.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClientBookEqualsTruth, expectContiguous, startServerHarness, type ServerHarness } from './server-harness.js';

const BTC = 'binance:BTC/USDT@book';
let h: ServerHarness;

beforeEach(async () => {
  h = await startServerHarness();
});
afterEach(async () => {
  await h.close();
});

describe('book subscription', () => {
  it('acks, sends a snapshot first, then deltas that rebuild the true book; seq has no hole', async () => {
    const c = await h.client();
    const ack = await c.command({ op: 'subscribe', streams: [BTC] });
    expect(ack).toMatchObject({ type: 'ack', op: 'subscribe' });
    await expectClientBookEqualsTruth(h, c, BTC, 50);
    const msgs = c.stream(BTC);
    const firstBook = msgs.find((m) => m.type === 'book_snapshot' || m.type === 'book_delta');
    expect(firstBook?.type).toBe('book_snapshot');
    expect(c.messages.indexOf(ack)).toBeLessThan(c.messages.indexOf(msgs[0]!));
    expectContiguous(msgs);
    // update ids chain from one delta to the next (nothing lost between the server and the client)
    const books = msgs.filter((m) => m.type === 'book_snapshot' || m.type === 'book_delta');
    for (let i = 1; i < books.length; i++) {
      if (books[i]!.type === 'book_delta') expect(books[i]!.firstUpdateId).toBe((books[i - 1]!.updateId as number) + 1);
    }
  });

  it('a late subscriber gets the current live book as its snapshot', async () => {
    const a = await h.client();
    await a.command({ op: 'subscribe', streams: [BTC] });
    await a.waitFor((m) => m.type === 'book_delta', 'a delta');
    const b = await h.client();
    await b.command({ op: 'subscribe', streams: [BTC] });
    const snap = await b.waitFor((m) => m.stream === BTC, 'first message', 8_000, 0);
    expect(snap).toMatchObject({ type: 'book_snapshot', seq: 1 });
    await expectClientBookEqualsTruth(h, b, BTC, 50);
  });

  it('after an upstream resync: a resyncing status, then a fresh snapshot, then the true book', async () => {
    const c = await h.client();
    await c.command({ op: 'subscribe', streams: [BTC] });
    await expectClientBookEqualsTruth(h, c, BTC, 10);
    const from = c.messages.length;
    h.sim.fault('binance', { kind: 'drop-diff', symbol: 'BTC/USDT' });
    const resync = await c.waitFor((m) => m.stream === BTC && m.type === 'status' && m.state === 'resyncing', 'resyncing', 8_000, from);
    expect(resync.code).toBe('TW_ERR_SEQUENCE_GAP');
    const i = c.messages.indexOf(resync);
    await c.waitFor((m) => m.stream === BTC && m.type === 'book_snapshot', 'fresh snapshot', 8_000, i);
    await expectClientBookEqualsTruth(h, c, BTC, 50);
    expectContiguous(c.stream(BTC));
  });

  it('top/every: book_top ladders of N levels at the interval, equal to the true book at their update id', async () => {
    const c = await h.client();
    await c.command({ op: 'subscribe', streams: [BTC], top: 5, every: 50 });
    const tops: Array<Record<string, unknown>> = [];
    await c.waitFor(
      (m) => {
        if (m.stream === BTC && m.type === 'book_top') tops.push(m);
        return tops.length >= 5;
      },
      '5 ladders',
    );
    expect(c.stream(BTC).some((m) => m.type === 'book_delta' || m.type === 'book_snapshot')).toBe(false);
    for (const t of tops) {
      expect(t.depth).toBe(5);
      const truth = h.sim.trueBookAt('binance', 'BTC/USDT', t.updateId as number)!;
      expect(t.bids).toEqual(truth.bids.slice(0, 5));
      expect(t.asks).toEqual(truth.asks.slice(0, 5));
    }
    const times = tops.map((t) => t.localTime as number);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(30_000);
    expectContiguous(c.stream(BTC));
  });
});

describe('server default top/every (serve --top N --every MS)', () => {
  it('book subscriptions default to ladders; a client asking top 0 gets snapshot + deltas', async () => {
    await h.close();
    h = await startServerHarness({ server: { top: 3, every: 40 } });
    const ladder = await h.client();
    const deltas = await h.client();
    const ack = await ladder.command({ op: 'subscribe', streams: [BTC] });
    expect((ack.subscriptions as Array<Record<string, unknown>>)[0]).toMatchObject({ top: 3, every: 40 });
    await deltas.command({ op: 'subscribe', streams: [BTC], top: 0 });
    const top = await ladder.waitFor((m) => m.type === 'book_top', 'a ladder', 8_000, 0);
    expect(top).toMatchObject({ depth: 3, stream: BTC });
    expect((top.bids as unknown[]).length).toBe(3);
    await expectClientBookEqualsTruth(h, deltas, BTC, 20);
    expect(ladder.stream(BTC).some((m) => m.type === 'book_delta')).toBe(false);
  });
});
