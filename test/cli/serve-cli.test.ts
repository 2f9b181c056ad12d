/**
 * `tickwire serve --sim` as a user runs it (the built CLI, as `npm test` builds it, in a child process): it
 * listens on loopback, serves a book subscription, answers /health, and stops cleanly (exit 0) on SIGTERM, with
 * the clients closed 1001. stdout stays empty (it carries data only, and the server's data goes to its clients).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { runCli, serveUrl, type CliRun } from '../helpers/cli.js';
import { TestClient } from '../sinks/server/server-harness.js';

let run: CliRun | undefined;

/** Resolves once the child's stderr contains `text` (checked on each chunk it writes). */
function stderrIncludes(r: CliRun, text: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!r.stderr().includes(text)) return;
      r.child.stderr.off('data', check);
      resolve();
    };
    r.child.stderr.on('data', check);
    check();
  });
}

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

  it('logs on stderr are JSON records only: "listening" (even under warn) and a client coming and going', async () => {
    run = runCli(['serve', '--sim', '--port', '0', '--grace', '100', '--log-level', 'warn']);
    const url = await serveUrl(run);
    const c = new TestClient(url);
    await c.opened;
    c.ws.close();
    await c.closed;
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
    const records = run.stderr().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.find((r) => typeof r.msg === 'string' && r.msg.startsWith(`listening on ${url} `))).toMatchObject({ level: 30, url });

    run = runCli(['serve', '--sim', '--port', '0', '--grace', '100']);
    const c2 = new TestClient(await serveUrl(run));
    await c2.opened;
    c2.ws.close();
    await c2.closed;
    await stderrIncludes(run, 'client disconnected');
    run.child.kill('SIGTERM');
    expect((await run.exit).code).toBe(0);
    const logged = run.stderr().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.find((r) => r.msg === 'client disconnected')).toMatchObject({ client: 1, reason: 'client', streams: 0 });
  }, 60_000);

  it.each([
    [['--host', '10.255.255.1', '--token', 'a-long-token'], /^tickwire: cannot listen on 10\.255\.255\.1:0: .*\(EADDRNOTAVAIL\)$/],
    [['--host', 'not-a-host.invalid', '--token', 'a-long-token'], /^tickwire: cannot listen on not-a-host\.invalid:0: .*\((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)$/],
  ])('a bad --host %j: one line, exit 2, refused before the simulator starts', async (flags, message) => {
    run = runCli(['serve', '--sim', '--port', '0', ...flags, '--log-level', 'info']);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr().trim()).toMatch(message); // one line: no stack, no "simulator started" record before it
  }, 30_000);

  it('a --port in use: one line, exit 2 (serve and sim)', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = String((busy.address() as AddressInfo).port);
    try {
      for (const args of [['serve', '--sim', '--port', port], ['sim', '--port', port]]) {
        run = runCli([...args, '--log-level', 'info']);
        expect((await run.exit).code, args.join(' ')).toBe(2);
        expect(run.stderr().trim()).toBe(`tickwire: cannot listen on 127.0.0.1:${port}: the port is in use: pick another with --port (0 = any free port) (EADDRINUSE)`);
      }
    } finally {
      busy.close();
    }
  }, 30_000);

  it('--help lists --replay and --speed', async () => {
    run = runCli(['serve', '--help']);
    const text = (await run.lines(1000)).join('\n');
    expect(text).toMatch(/--replay FILE/);
    expect(text).toMatch(/--speed N\|max/);
  });

  it('refuses a non-loopback --host without --token (exit 2)', async () => {
    run = runCli(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect((await run.exit).code).toBe(2);
    expect(run.stderr()).toMatch(/without a token/);
  });
});
