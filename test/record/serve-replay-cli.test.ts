/**
 * `tickwire serve --replay FILE` (the built CLI): a client subscribing to a recorded book gets a snapshot then the
 * recorded deltas, at the recorded pace; the book it rebuilds equals the live session's book at the same update id.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderBook } from '../../src/book/order-book.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { recordSimSession } from '../helpers/record-session.js';
import { TestClient } from '../sinks/server/server-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-serve-rec-'));
let run: CliRun | undefined;
afterEach(() => {
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  run = undefined;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function stderrLine(r: CliRun, re: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = re.exec(r.stderr());
    if (m) return m;
    if (Date.now() > end || r.child.exitCode !== null) throw new Error(`no ${String(re)}; stderr: ${r.stderr().slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('tickwire serve --replay', () => {
  it('serves the recorded book at the recorded pace, equal to the live book at the same update id', async () => {
    const file = join(dir, 'session.ndjson.gz');
    const { events: live } = await recordSimSession({ file, deltas: 150 });
    run = runCli(['serve', '--replay', file, '--port', '0', '--log-level', 'warn']);
    const url = (await stderrLine(run, /listening on (ws:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const c = new TestClient(url);
    await c.opened;
    const stream = 'binance:BTC/USDT@book';
    expect(await c.command({ op: 'subscribe', streams: [stream] })).toMatchObject({ type: 'ack' });
    await c.waitFor((m) => m.stream === stream && m.type === 'book_delta', 'a replayed delta', 10_000, 0);
    // a symbol the recording does not hold is refused as such (not as "not listed by the exchange")
    expect(await c.command({ op: 'subscribe', streams: ['binance:DOGE/USDT@book'] })).toMatchObject({
      type: 'error',
      code: 'TW_ERR_UNKNOWN_SYMBOL',
      message: 'unknown symbol: binance:DOGE/USDT@book (not in the recording)',
    });
    await stderrLine(run, /replay of .* finished \(\d+ records\); still serving/);
    const got = c.books.get(stream)!;
    expect(got.deltas).toBeGreaterThan(0);
    // the live session's book of BTC at the same update id
    const book = new OrderBook();
    for (const e of live) {
      if ((e.type !== 'book_snapshot' && e.type !== 'book_delta') || e.symbol !== 'BTC/USDT') continue;
      if (e.type === 'book_snapshot') book.applySnapshot(e.bids, e.asks);
      else book.applyLevels(e.bids, e.asks);
      if (e.updateId === got.updateId) break;
    }
    expect(got.book.snapshot()).toEqual(book.snapshot());
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    await c.closed;
  }, 30_000);
});
