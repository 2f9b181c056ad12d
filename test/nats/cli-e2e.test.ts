/**
 * The commands end to end (built CLI, child processes): `tickwire stream --sim --nats URL` publishes what it
 * prints, flushes on SIGINT (JetStream's count equals the printed lines), and `tickwire consume` prints the books
 * from their checkpoints as schema-valid NDJSON. `tickwire serve --sim --nats URL` publishes the books its clients
 * subscribe to, flushed when it stops (SIGTERM, exit 0), and `consume` rebuilds from JetStream exactly the book a
 * WebSocket client of the server held.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MarketEvent } from '../../src/schema/events.js';
import { runCli, serveUrl, type CliRun } from '../helpers/cli.js';
import { TestClient } from '../sinks/server/server-harness.js';
import { BookRebuilder } from '../../src/sources/rebuild-books.js';
import { rebuild, streamMessageCount } from './helpers.js';
import { TestNatsServer } from './nats-server.js';

let srv: TestNatsServer;
const runs: CliRun[] = [];
beforeAll(async () => {
  srv = await TestNatsServer.start();
});
afterEach(() => {
  for (const r of runs.splice(0)) if (r.child.exitCode === null) r.child.kill('SIGKILL');
});
afterAll(async () => {
  await srv?.dispose();
});

describe('tickwire stream --nats / tickwire consume', { timeout: 60_000 }, () => {
  it('publishes every printed event, flushes on SIGINT, and consume rebuilds the books from checkpoints', async () => {
    const nats = ['--nats', srv.url, '--nats-stream', 'CLIE2E'];
    const stream = runCli(['stream', '--sim', '--channels', 'book,trades', ...nats, '--nats-snapshot-every', '25', '--log-level', 'warn']);
    runs.push(stream);
    const deltas = (l: string): boolean => l.includes('"type":"book_delta"');
    await stream.lines(0, (_l, all) => all.filter(deltas).length >= 60, 20_000);

    const consume = runCli(['consume', 'tickwire.binance.book.>', ...nats, '--log-level', 'warn']);
    runs.push(consume);
    const parse = (ls: string[]): MarketEvent[] => ls.map((l) => MarketEvent.parse(JSON.parse(l)));
    const got = parse(await consume.lines(0, (_l, all) => all.length >= 30, 15_000));
    expect(got.slice(0, 2).map((e) => e.type)).toEqual(['book_snapshot', 'book_snapshot']);
    expect(got.every((e) => e.exchange === 'binance' && (e.type === 'book_snapshot' || e.type === 'book_delta'))).toBe(true);
    const books = rebuild(got);
    expect([...books.books.values()].map((b) => b.valid)).toEqual([true, true]);

    stream.child.kill('SIGINT');
    expect(await stream.exit).toEqual({ code: 0, signal: null });
    const printed = await stream.lines(Number.MAX_SAFE_INTEGER);
    expect(await streamMessageCount(srv.url, 'CLIE2E')).toBe(printed.length);
    consume.child.kill('SIGTERM');
    expect((await consume.exit).code).toBe(0);
  });
});

describe('tickwire serve --nats', { timeout: 60_000 }, () => {
  it("publishes what its clients subscribe to; consume rebuilds exactly a client's book", async () => {
    // its own stream and subjects (JetStream refuses a stream whose subjects overlap the stream test's); one
    // checkpoint per book (its first), so consume prints the book's whole history, replayable to any update id
    const nats = ['--nats', srv.url, '--nats-stream', 'SERVEE2E', '--nats-prefix', 'serve'];
    const serve = runCli(['serve', '--sim', '--port', '0', '--grace', '100', ...nats, '--nats-snapshot-every', '1000000', '--nats-snapshot-interval', '3600000', '--log-level', 'warn']);
    runs.push(serve);
    const c = new TestClient(await serveUrl(serve));
    await c.opened;
    const stream = 'binance:BTC/USDT@book';
    expect(await c.command({ op: 'subscribe', streams: [stream] })).toMatchObject({ type: 'ack' });
    await c.waitFor(() => (c.books.get(stream)?.deltas ?? 0) >= 50, '50 deltas', 20_000, 0);

    serve.child.kill('SIGTERM');
    expect(await serve.exit).toEqual({ code: 0, signal: null });
    const held = c.books.get(stream)!;
    expect(held.updateId).toBeDefined();

    const consume = runCli(['consume', 'serve.binance.book.>', ...nats, '--log-level', 'warn']);
    runs.push(consume);
    const reached = (l: string): boolean => {
      const e = JSON.parse(l) as { type: string; symbol?: string; updateId?: number };
      return e.symbol === 'BTC/USDT' && e.type === 'book_delta' && e.updateId! >= held.updateId!;
    };
    const lines = await consume.lines(0, (l) => reached(l), 15_000);
    const events = lines.map((l) => MarketEvent.parse(JSON.parse(l)));
    expect(events[0]).toMatchObject({ type: 'book_snapshot', symbol: 'BTC/USDT' });
    // replay JetStream's history up to the client's last update id: the same book, level for level
    const r = new BookRebuilder();
    let at: number | undefined;
    for (const e of events) {
      r.apply(e);
      if (e.type === 'book_delta' && e.symbol === 'BTC/USDT' && e.updateId === held.updateId) {
        at = e.updateId;
        break;
      }
    }
    expect(at).toBe(held.updateId);
    const rebuilt = r.books.get(stream);
    expect(rebuilt?.valid).toBe(true);
    expect(rebuilt!.book.snapshot()).toEqual(held.book.snapshot());
    consume.child.kill('SIGTERM');
    expect((await consume.exit).code).toBe(0);
  });
});
