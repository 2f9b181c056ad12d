/**
 * Test helper: a private nats-server with JetStream on a free loopback port and a temporary store. Never the
 * shared one on 4222. `stop()` + `start()` restarts it on the same port with the same store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env['NATS_SERVER_BIN'] ?? 'nats-server';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when the port accepts a TCP connection and sends the NATS INFO line. */
async function waitReady(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (let attempt = 0; attempt < 200; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1');
      s.setTimeout(500);
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('INFO'));
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server on ${port} not ready within ${deadlineMs} ms`);
}

export class TestNatsServer {
  private proc: ChildProcess | undefined;
  private log = '';
  readonly storeDir = mkdtempSync(join(tmpdir(), 'tickwire-nats-'));
  private constructor(readonly port: number) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<TestNatsServer> {
    const s = new TestNatsServer(await freePort());
    await s.start();
    return s;
  }

  async start(): Promise<void> {
    if (this.proc !== undefined) return;
    const p = spawn(BIN, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout?.on('data', (d: Buffer) => (this.log += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    this.proc = p;
    try {
      await waitReady(this.port, 10_000);
    } catch (err) {
      throw new Error(`${String(err)}\n${this.log.slice(-2000)}`);
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for the process to exit. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (p === undefined) return;
    this.proc = undefined;
    if (p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      p.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      p.kill('SIGTERM');
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
