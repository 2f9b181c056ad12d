/**
 * nats-server stopped and restarted during a run: the publisher reports it, buffers, reconnects and stores every
 * event exactly once; a consumer running across the outage ends with the true books. With a buffer too small for
 * the outage, the publisher sheds by its policy and nothing is lost silently: every missing seq is covered by a
 * gap status, and books are healed by a fresh snapshot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import type { MarketEvent } from '../../src/schema/events.js';
import { publishToNats } from '../../src/sinks/nats/publish.js';
import type { NatsStatus } from '../../src/nats/status.js';
import { dataKeyOf, gapDetailsOf } from '../../src/nats/subjects.js';
import { fromNats } from '../../src/sources/nats.js';
import { booksMatch, collect, factId, feed, rebuild, states, streamMessageCount, waitFor } from './helpers.js';
import { TestNatsServer } from './nats-server.js';
import { Stamper, startInstance, SyntheticMarket } from './synthetic.js';

let srv: TestNatsServer | undefined;
afterEach(async () => {
  await srv?.dispose();
  srv = undefined;
});

const fast = { reconnectTimeWaitMs: 100, publishTimeoutMs: 1000, retryDelayMs: 100 };

describe('NATS: server outage', { timeout: 60_000 }, () => {
  it('reports the outage, reconnects, stores every event once; the consumer ends with the true books', async () => {
    srv = await TestNatsServer.start();
    const m = new SyntheticMarket('okx', ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], 44);
    const st = new Stamper('okx-e1');
    const input = new Subject<MarketEvent>();
    const pub = collect<NatsStatus>(publishToNats(input, { servers: srv.url, stream: 'OUTAGE', snapshotEveryEvents: 25, ...fast }));
    await waitFor(() => states(pub.items).includes('open'), 10_000, 'publisher open');
    const consumerStatus: NatsStatus[] = [];
    const live = collect(fromNats({ servers: srv.url, stream: 'OUTAGE', start: 'all', reconnectTimeWaitMs: 100, pullExpiresMs: 2000 }, { onStatus: (s) => consumerStatus.push(s) }));

    const sent: MarketEvent[] = startInstance(m, st);
    const more = (n: number): MarketEvent[] => {
      const evs: MarketEvent[] = [];
      for (let i = 0; i < n; i++) evs.push(st.stamp(m.next()));
      sent.push(...evs);
      return evs;
    };
    await feed(input, [...sent, ...more(200)]);
    await waitFor(() => live.items.length >= sent.length, 10_000, 'consumer before outage');

    await srv.stop();
    await waitFor(() => states(pub.items).includes('disconnected'), 5000, 'publisher sees the outage');
    await feed(input, more(300)); // the feed goes on while NATS is down: buffered, never blocking
    await srv.start();
    await waitFor(() => states(pub.items).includes('reconnected'), 10_000, 'publisher reconnected');
    await feed(input, more(200));
    input.complete();
    await waitFor(() => pub.done, 20_000, 'publisher flushed');
    expect(pub.items.at(-1)).toMatchObject({ state: 'closed', code: 'TW_OK' });
    expect(pub.items.some((s) => s.state === 'disconnected' && s.code === 'TW_ERR_NATS')).toBe(true);
    expect(pub.items.some((s) => s.state === 'dropped')).toBe(false);

    expect(await streamMessageCount(srv.url, 'OUTAGE')).toBe(sent.length);
    await waitFor(() => live.items.length >= sent.length, 15_000, 'consumer after outage');
    expect(states(consumerStatus)).toContain('reconnected');
    expect(live.items.map(factId)).toEqual(sent.map(factId));
    expect(booksMatch(rebuild(live.items), m)).toEqual([]);
    live.sub.unsubscribe();
  });

  it('sheds by policy when the buffer is too small for the outage: gap statuses cover every lost seq, books heal', async () => {
    srv = await TestNatsServer.start();
    const m = new SyntheticMarket('bybit', ['BTC/USDT', 'ETH/USDT'], 55);
    const st = new Stamper('bybit-e1');
    const input = new Subject<MarketEvent>();
    const pub = collect<NatsStatus>(
      publishToNats(input, { servers: srv.url, stream: 'SHED', maxBufferedEvents: 60, snapshotEveryEvents: 1000, ...fast }),
    );
    await waitFor(() => states(pub.items).includes('open'), 10_000, 'publisher open');
    const sent: MarketEvent[] = startInstance(m, st);
    for (let i = 0; i < 50; i++) sent.push(st.stamp(m.next()));
    await feed(input, sent);
    await waitFor(() => pub.items.length > 0, 1000, 'status');

    await srv.stop();
    await waitFor(() => states(pub.items).includes('disconnected'), 5000, 'publisher sees the outage');
    const during: MarketEvent[] = [];
    for (let i = 0; i < 400; i++) during.push(st.stamp(m.next()));
    sent.push(...during);
    await feed(input, during);
    expect(pub.items.filter((s) => s.state === 'dropped').length).toBeGreaterThan(0);
    expect(pub.items.some((s) => s.state === 'buffering' && s.code === 'TW_ERR_NATS')).toBe(true);
    await srv.start();
    input.complete();
    await waitFor(() => pub.done, 20_000, 'publisher flushed');
    expect(pub.items.at(-1)).toMatchObject({ state: 'closed' });

    const got = collect(fromNats({ servers: srv.url, stream: 'SHED', start: 'all' }));
    expect(await streamMessageCount(srv.url, 'SHED')).toBeLessThan(sent.length);
    // no silent loss: per stream key every sent seq is received or lies in a gap status's range (the publisher's
    // TW_ERR_NATS markers, or the consumer's TW_ERR_STREAM_GAP for conflated books and out-of-order retries)
    await waitFor(() => uncovered(got.items, sent).length === 0, 10_000, 'every sent seq received or covered by a gap status');
    expect(got.items.some((e) => e.type === 'status' && e.code === 'TW_ERR_NATS')).toBe(true);
    // books: deltas were conflated into a fresh snapshot; the rebuilt books are the true books
    expect(booksMatch(rebuild(got.items), m)).toEqual([]);
    got.sub.unsubscribe();
  });

  it('waits for a NATS that is not up yet, buffering, then stores everything once it is', async () => {
    srv = await TestNatsServer.start();
    await srv.stop();
    const m = new SyntheticMarket('binance', ['BTC/USDT'], 66);
    const st = new Stamper('late-nats');
    const input = new Subject<MarketEvent>();
    const pub = collect<NatsStatus>(publishToNats(input, { servers: srv.url, stream: 'LATE', ...fast }));
    const sent = startInstance(m, st);
    for (let i = 0; i < 200; i++) sent.push(st.stamp(m.next()));
    await feed(input, sent);
    input.complete();
    // while no server answers, the publisher says so (retrying), nothing else
    await waitFor(() => pub.items.length >= 2, 10_000, 'unreachable reported');
    const down = pub.items.slice(1);
    expect(states(pub.items)[0]).toBe('connecting');
    for (const s of down) expect(s).toMatchObject({ state: 'error', code: 'TW_ERR_NATS', reason: expect.stringMatching(/^NATS unreachable at /) as unknown });
    await srv.start();
    await waitFor(() => pub.done, 20_000, 'publisher flushed');
    const after = states(pub.items).filter((x, i) => !(x === 'error' && /^NATS unreachable/.test(pub.items[i]!.reason)));
    expect(after).toEqual(['connecting', 'open', 'closed']);
    expect(await streamMessageCount(srv.url, 'LATE')).toBe(sent.length);
  });
});

function uncovered(got: MarketEvent[], sent: MarketEvent[]): string[] {
  const covered = new Map<string, Set<number>>();
  const cover = (k: string, s: number): void => {
    const set = covered.get(k) ?? new Set<number>();
    set.add(s);
    covered.set(k, set);
  };
  for (const e of got) {
    const gap = gapDetailsOf(e);
    if (gap !== undefined) for (let s = gap.fromSeq; s <= gap.toSeq && s - gap.fromSeq < 100_000; s++) cover(gap.streamKey, s);
    const k = dataKeyOf(e);
    if (k !== undefined) cover(k, e.seq);
  }
  return sent.filter((e) => !covered.get(dataKeyOf(e)!)?.has(e.seq)).map((e) => `${dataKeyOf(e)}#${e.seq}`);
}
