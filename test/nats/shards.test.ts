/**
 * Two publishers on disjoint shards, one wildcard consumer: every event of both, in per-stream order, books equal
 * the true books, no gap statuses; then a late consumer catches up from the latest checkpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import type { MarketEvent } from '../../src/schema/events.js';
import { publishToNats } from '../../src/sinks/nats/publish.js';
import type { NatsStatus } from '../../src/nats/status.js';
import { dataKeyOf } from '../../src/nats/subjects.js';
import { fromNats } from '../../src/sources/nats.js';
import { booksMatch, collect, feed, rebuild, streamMessageCount, waitFor } from './helpers.js';
import { TestNatsServer } from './nats-server.js';
import { Stamper, startInstance, SyntheticMarket } from './synthetic.js';

let srv: TestNatsServer;
beforeAll(async () => {
  srv = await TestNatsServer.start();
});
afterAll(async () => {
  await srv?.dispose();
});

function byKey(events: MarketEvent[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const e of events) {
    const k = dataKeyOf(e);
    if (k === undefined) continue;
    const list = m.get(k) ?? [];
    list.push(`${e.epoch}:${e.seq}`);
    m.set(k, list);
  }
  return m;
}

describe('NATS scale-out: two shards, one consumer', { timeout: 60_000 }, () => {
  it('delivers every event of both shards in per-stream order and rebuilds the true books; a late consumer starts from checkpoints', async () => {
    const opts = { servers: srv.url, stream: 'SHARDS', snapshotEveryEvents: 40, reconnectTimeWaitMs: 100 };
    const shards = [
      { m: new SyntheticMarket('binance', ['BTC/USDT', 'ETH/USDT'], 11), st: new Stamper('binance-e1') },
      { m: new SyntheticMarket('kraken', ['BTC/USD', 'ETH/USD', 'XBT/EUR:X'], 22), st: new Stamper('kraken-e1') },
    ];
    const inputs = shards.map(() => new Subject<MarketEvent>());
    const pubStatus = inputs.map((i) => collect<NatsStatus>(publishToNats(i, opts)));
    await waitFor(() => pubStatus.every((c) => c.items.some((s) => s.state === 'open')), 10_000, 'publishers open');

    const live = collect(fromNats({ servers: srv.url, stream: 'SHARDS', start: 'all' }));
    const sent: MarketEvent[][] = shards.map(({ m, st }) => {
      const evs = startInstance(m, st);
      for (let i = 0; i < 600; i++) evs.push(st.stamp(m.next()));
      return evs;
    });
    await Promise.all(sent.map((evs, i) => feed(inputs[i]!, evs)));
    inputs.forEach((i) => i.complete());
    await waitFor(() => pubStatus.every((c) => c.done), 15_000, 'publishers flushed');
    for (const c of pubStatus) expect(c.items.at(-1)).toMatchObject({ state: 'closed', code: 'TW_OK' });

    const total = sent[0]!.length + sent[1]!.length;
    await waitFor(() => live.items.length >= total, 10_000, `consumer got ${total} events`);
    expect(live.items.length).toBe(total);
    expect(await streamMessageCount(srv.url, 'SHARDS')).toBe(total);
    // the checkpoint stream keeps only the latest checkpoint of each of the 5 books (max_msgs_per_subject: 1)
    expect(await streamMessageCount(srv.url, 'SHARDS_SNAP')).toBe(5);

    // per-stream order: for every stream key, exactly the sent (epoch, seq) list
    expect(byKey(live.items)).toEqual(byKey([...sent[0]!, ...sent[1]!]));
    expect(live.items.filter((e) => e.type === 'status')).toEqual([]);
    const books = rebuild(live.items);
    for (const { m } of shards) expect(booksMatch(books, m)).toEqual([]);
    // subjects are per stream; symbol tokens are subject-safe
    expect(live.items.some((e) => e.symbol === 'XBT/EUR:X')).toBe(true);

    // a late consumer, only binance books: starts from each book's latest checkpoint, not from the beginning
    const late = collect(fromNats({ servers: srv.url, stream: 'SHARDS', filter: 'tickwire.binance.book.>' }));
    const binanceBookEvents = sent[0]!.filter((e) => e.type === 'book_delta' || e.type === 'book_snapshot').length;
    await waitFor(() => rebuildOk(late.items, shards[0]!.m), 10_000, 'late consumer books equal true books');
    const first = late.items.slice(0, 2);
    expect(first.map((e) => e.type)).toEqual(['book_snapshot', 'book_snapshot']);
    // at most one checkpoint interval (40 book events per book) replayed per book, plus the checkpoints
    expect(late.items.length).toBeLessThanOrEqual(2 * 41);
    expect(late.items.length).toBeLessThan(binanceBookEvents);
    expect(late.items.every((e) => e.exchange === 'binance' && e.type !== 'trade' && e.type !== 'status')).toBe(true);
    late.sub.unsubscribe();
    live.sub.unsubscribe();
  });
});

function rebuildOk(events: MarketEvent[], m: SyntheticMarket): boolean {
  return booksMatch(rebuild(events), m).length === 0;
}
