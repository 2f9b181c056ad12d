/**
 * `tickwire serve --sim` as a user runs it (the built CLI, as `npm test` builds it, in a child process): it
 * listens on loopback, serves a book subscription, answers /health, and stops cleanly (exit 0) on SIGTERM, with
 * the clients closed 1001. stdout stays empty (it carries data only, and the server's data goes to its clients).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, serveUrl, type CliRun } from '../helpers/cli.js';
import { TestClient } from '../server/server-harness.js';

let run: CliRun | undefined;

afterEach(() => {
  if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
  run = undefined;
});

describe('tickwire serve (CLI)', () => {
  it('serves a book from the embedded simulator and exits 0 on SIGTERM', async () => {
    run = runCli(['serve', '--sim', '--port', '0', '--grace', '100', '--log-level', 'warn']);
    const url = await serveUrl(run);
    const c = new TestClient(url);
    await c.opened;
    const stream = 'binance:BTC/USDT@book';
    expect(await c.command({ op: 'subscribe', streams: [stream] })).toMatchObject({ type: 'ack' });
    await c.waitFor((m) => m.stream === stream && m.type === 'book_delta', 'a delta', 15_000, 0);
    expect(c.stream(stream).find((m) => m.type === 'book_snapshot' || m.type === 'book_delta')?.type).toBe('book_snapshot');
    const health = (await (await fetch(url.replace('ws:', 'http:') + '/health')).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ clients: 1, books: [{ symbol: 'BTC/USDT', state: 'live' }] });
    run.child.kill('SIGTERM');
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect((await c.closed).code).toBe(1001);
    expect(await run.lines(1)).toEqual([]);
  });

  it('refuses a non-loopback --host without --token (exit 2)', async () => {
    run = runCli(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(/without a token/);
  });
});
