/**
 * Many clients on one stream share one upstream subscription; when the last leaves it is dropped after the grace
 * period — checked in the simulator's own log of the SUBSCRIBE/UNSUBSCRIBE frames it received.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectClientBookEqualsTruth, simReceived, startServerHarness, until, type ServerHarness } from './server-harness.js';

const BTC = 'binance:BTC/USDT@book';
const DEPTH = 'btcusdt@depth@100ms';
const GRACE = 300;
let h: ServerHarness;

const subscribes = (): Array<{ time: number; data: string }> =>
  simReceived(h, DEPTH).filter((f) => f.data.includes('"SUBSCRIBE"'));
const unsubscribes = (): Array<{ time: number; data: string }> =>
  simReceived(h, DEPTH).filter((f) => f.data.includes('"UNSUBSCRIBE"'));

beforeEach(async () => {
  // The preloaded ticker keeps the exchange connection open, so the book's UNSUBSCRIBE is a frame on it.
  h = await startServerHarness({ server: { graceMs: GRACE, preload: ['binance:BTC/USDT@ticker'] } });
  await h.server.preloaded;
});
afterEach(async () => {
  await h.close();
});

describe('shared upstream subscriptions', () => {
  it('two clients, one SUBSCRIBE; the first leaving drops nothing; the last leaving drops it after the grace period', async () => {
    const a = await h.client();
    const b = await h.client();
    await a.command({ op: 'subscribe', streams: [BTC] });
    await b.command({ op: 'subscribe', streams: [BTC] });
    await expectClientBookEqualsTruth(h, a, BTC, 20);
    await expectClientBookEqualsTruth(h, b, BTC, 20);
    expect(subscribes()).toHaveLength(1);

    expect(await a.command({ op: 'unsubscribe', streams: [BTC] })).toMatchObject({ type: 'ack' });
    // b still streams, and keeps streaming well past the grace period after a left
    const aLeft = Date.now();
    await expectClientBookEqualsTruth(h, b, BTC, b.books.get(BTC)!.deltas + Math.ceil((GRACE * 2) / 10));
    expect(Date.now() - aLeft).toBeGreaterThan(GRACE);
    expect(unsubscribes()).toHaveLength(0);

    const bLeft = Date.now();
    expect(await b.command({ op: 'unsubscribe', streams: [BTC] })).toMatchObject({ type: 'ack' });
    const [unsub] = await until(() => (unsubscribes().length > 0 ? unsubscribes() : undefined), 'UNSUBSCRIBE in the sim log');
    expect(unsub!.time - bLeft).toBeGreaterThanOrEqual(GRACE - 20);
    expect(unsubscribes()).toHaveLength(1);
    expect(subscribes()).toHaveLength(1);

    // a new client after the drop starts it again: a second SUBSCRIBE
    const c = await h.client();
    await c.command({ op: 'subscribe', streams: [BTC] });
    await expectClientBookEqualsTruth(h, c, BTC, 10);
    expect(subscribes()).toHaveLength(2);
  });

  it('a client coming back within the grace period keeps the upstream subscription', async () => {
    const a = await h.client();
    await a.command({ op: 'subscribe', streams: [BTC] });
    await a.waitFor((m) => m.type === 'book_snapshot', 'snapshot', 8_000, 0);
    await a.command({ op: 'unsubscribe', streams: [BTC] });
    const again = await a.command({ op: 'subscribe', streams: [BTC] });
    expect(again.type).toBe('ack');
    // the resubscription starts a new epoch whose first message is the current book
    const epoch = (again.subscriptions as Array<{ epoch: string }>)[0]!.epoch;
    const first = await a.waitFor((m) => m.epoch === epoch, 'new epoch', 8_000, a.messages.indexOf(again));
    expect(first).toMatchObject({ type: 'book_snapshot', seq: 1 });
    await expectClientBookEqualsTruth(h, a, BTC, Math.ceil((GRACE * 2) / 10));
    expect(unsubscribes()).toHaveLength(0);
    expect(subscribes()).toHaveLength(1);
  });

  it('a client that disconnects releases its streams like an unsubscribe', async () => {
    const a = await h.client();
    await a.command({ op: 'subscribe', streams: [BTC] });
    await a.waitFor((m) => m.type === 'book_delta', 'a delta', 8_000, 0);
    const left = Date.now();
    a.ws.close();
    const [unsub] = await until(() => (unsubscribes().length > 0 ? unsubscribes() : undefined), 'UNSUBSCRIBE in the sim log');
    expect(unsub!.time - left).toBeGreaterThanOrEqual(GRACE - 20);
  });
});
