/**
 * `runConsume` (the `tickwire consume` command): NDJSON of schema-valid events for the subject filter, books from
 * their checkpoints, a clean end on abort; bad arguments are TW_ERR_CONFIG.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { Subject } from 'rxjs';
import pino from 'pino';
import { MarketEvent } from '../../src/schema/events.js';
import { runConsume } from '../../src/cli/consume-command.js';
import { natsPublishFromFlags } from '../../src/cli/nats-flags.js';
import { publishToNats } from '../../src/sinks/nats/publish.js';
import { collect, feed, rebuild, booksMatch, states, waitFor } from './helpers.js';
import { TestNatsServer } from './nats-server.js';
import { Stamper, startInstance, SyntheticMarket } from './synthetic.js';

let srv: TestNatsServer;
beforeAll(async () => {
  srv = await TestNatsServer.start();
});
afterAll(async () => {
  await srv?.dispose();
});

describe('tickwire consume', { timeout: 60_000 }, () => {
  it('prints the filtered events as schema-valid NDJSON, books from checkpoints, and ends on abort', async () => {
    const flags = natsPublishFromFlags({ nats: srv.url, 'nats-stream': 'CLI', 'nats-snapshot-every': '20' });
    expect(flags).toMatchObject({ servers: [srv.url], stream: 'CLI', snapshotEveryEvents: 20, prefix: 'tickwire' });
    const binance = new SyntheticMarket('binance', ['BTC/USDT', 'ETH/USDT'], 5);
    const okx = new SyntheticMarket('okx', ['BTC/USDT'], 6);
    const input = new Subject<MarketEvent>();
    const pub = collect(publishToNats(input, { ...flags!, reconnectTimeWaitMs: 100 }));
    await waitFor(() => states(pub.items).includes('open'), 10_000, 'publisher open');
    const sb = new Stamper('b1');
    const so = new Stamper('o1');
    const events = [...startInstance(binance, sb), ...startInstance(okx, so)];
    for (let i = 0; i < 300; i++) events.push(sb.stamp(binance.next()), so.stamp(okx.next()));
    await feed(input, events);
    input.complete();
    await waitFor(() => pub.done, 10_000, 'flushed');

    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const ac = new AbortController();
    const done = runConsume(['tickwire.binance.book.>', '--nats', srv.url, '--nats-stream', 'CLI'], out, {
      signal: ac.signal,
      logger: pino({ level: 'silent' }),
    });
    const lines = (): MarketEvent[] => text.split('\n').filter(Boolean).map((l) => MarketEvent.parse(JSON.parse(l)));
    await waitFor(() => booksMatch(rebuild(lines()), binance).length === 0, 10_000, 'books from the NDJSON');
    ac.abort();
    expect(await done).toBe(0);
    const got = lines();
    expect(got.every((e) => e.exchange === 'binance' && (e.type === 'book_snapshot' || e.type === 'book_delta'))).toBe(true);
    expect(got.length).toBeLessThanOrEqual(2 * 21); // one checkpoint interval per book, not the whole history
  });

  it('rejects a filter outside the prefix and an unknown --from', async () => {
    const out = new PassThrough();
    await expect(runConsume(['other.>', '--nats', srv.url], out)).rejects.toMatchObject({ code: 'TW_ERR_CONFIG' });
    await expect(runConsume(['--from', 'yesterday'], out)).rejects.toMatchObject({ code: 'TW_ERR_CONFIG' });
    expect(() => natsPublishFromFlags({ nats: srv.url, 'nats-buffer': 'lots' })).toThrow(/nats-buffer/);
  });
});
