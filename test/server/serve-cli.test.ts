/**
 * `tickwire serve --sim` as a user runs it (built CLI in a child process): it listens on loopback, serves a book
 * subscription, answers /health, and stops cleanly (exit 0) on SIGTERM. stdout stays empty (data-only rule).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { TestClient } from './server-harness.js';

let proc: ChildProcess | undefined;

beforeAll(() => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}, 120_000);

afterAll(() => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
});

describe('tickwire serve (CLI)', () => {
  it('serves a book from the embedded simulator and exits 0 on SIGTERM', async () => {
    proc = spawn(process.execPath, ['dist/cli.js', 'serve', '--sim', '--port', '0', '--grace', '100', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 15_000);
      proc!.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const c = new TestClient(url);
    await c.opened;
    const stream = 'binance:BTC/USDT@book';
    expect(await c.command({ op: 'subscribe', streams: [stream] })).toMatchObject({ type: 'ack' });
    await c.waitFor((m) => m.stream === stream && m.type === 'book_delta', 'a delta', 15_000, 0);
    expect(c.stream(stream).find((m) => m.type === 'book_snapshot' || m.type === 'book_delta')?.type).toBe('book_snapshot');
    const health = (await (await fetch(url.replace('ws:', 'http:') + '/health')).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ clients: 1, books: [{ symbol: 'BTC/USDT', state: 'live' }] });
    const exited = new Promise<number | null>((resolve) => proc!.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect((await c.closed).code).toBe(1001);
    expect(stdout).toBe('');
  });
});
