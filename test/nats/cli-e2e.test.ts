/**
 * The commands end to end (built CLI, child processes): `tickwire stream --sim --nats URL` publishes what it
 * prints, flushes on SIGINT (JetStream's count equals the printed lines), and `tickwire consume` prints the books
 * from their checkpoints as schema-valid NDJSON.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MarketEvent } from '../../src/schema/events.js';
import { runCli, type CliRun } from '../helpers/cli.js';
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
