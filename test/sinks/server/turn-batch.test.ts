/**
 * The local server's per-turn batching, on real sockets: a client session corks its socket for an event-loop turn
 * (TurnBatch), so that a turn's messages leave in one write — but none waits for more than 100 µs of later frames
 * (their `at`, the frames' arrival), and every message reaches the client, in order. `writableLength` of the
 * server-side socket is the evidence: bytes of corked messages wait in it; once uncorked, loopback TCP takes them at
 * once and it falls back to 0. The clients' batches share the server's TurnClock: a frame for another client (another
 * market) closes a batch it outlived by more than 100 µs, mid-turn.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { asyncScheduler } from 'rxjs';
import pino from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientSession, type SessionContext } from '../../../src/sinks/server/session.js';
import { ServerSettings } from '../../../src/sinks/server/options.js';
import { Metrics } from '../../../src/pipeline/metrics.js';
import { TestClient } from './server-harness.js';
import { TurnClock } from '../../../src/util/turn-batch.js';

interface Pair {
  session: ClientSession;
  socket: Duplex;
  client: TestClient;
}

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

/** A ws server on 127.0.0.1:0 (configured as startServer does), a client of it, and a ClientSession on its end. */
async function pair(turns?: TurnClock): Promise<Pair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', r));
  const accepted = new Promise<{ ws: WebSocket; socket: Duplex }>((r) => wss.once('connection', (ws, req) => r({ ws, socket: req.socket })));
  const client = new TestClient(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await client.opened;
  const { ws, socket } = await accepted;
  const ctx = {
    settings: ServerSettings.parse({}),
    metrics: new Metrics(),
    scheduler: asyncScheduler,
    logger: pino({ level: 'silent' }),
    onBehind: () => undefined,
    onClosed: () => undefined,
    turns,
  } as unknown as SessionContext; // hub and registry: not used by writes
  const session = new ClientSession(1, ws, socket, '127.0.0.1', ctx);
  cleanups.push(async () => {
    client.ws.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });
  return { session, socket, client };
}

/** The client's messages' `seq`s, once it has `n` of them. */
async function seqs(client: TestClient, n: number): Promise<number[]> {
  if (client.messages.length < n) await client.waitFor(() => client.messages.length >= n, `${n} messages`);
  return client.messages.map((m) => m.seq as number);
}

const message = (i: number, at: number): string => JSON.stringify({ type: 'test', seq: i, localTime: at });

describe('local server: the messages of one turn leave together, none waits for > 100 µs of later frames', () => {
  it('a short turn: nothing leaves before the turn ends, then every message arrives in order', async () => {
    const { session, socket, client } = await pair();
    const waiting: number[] = [];
    for (let i = 1; i <= 20; i++) {
      session.write(message(i, 1_000_000 + i * 4), 1_000_000 + i * 4); // 20 frames within 80 µs
      waiting.push(socket.writableLength);
    }
    // corked for the whole turn: every message still waits in the socket, one more each time
    expect(waiting.every((w, i) => w > 0 && (i === 0 || w > waiting[i - 1]!))).toBe(true);
    expect(await seqs(client, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(socket.writableLength).toBe(0);
  });

  it('a long turn: messages leave during it, at most 100 µs of frames wait together, all arrive in order', async () => {
    const { session, socket, client } = await pair();
    const n = 200;
    let leftDuringTurn = 0;
    let waitingTogether = 0;
    let mostWaitingTogether = 0;
    for (let i = 1; i <= n; i++) {
      const at = 5_000_000 + i * 30; // one frame processed every 30 µs: a 6 ms turn
      const before = socket.writableLength;
      session.write(message(i, at), at);
      if (before > 0 && socket.writableLength < before) {
        leftDuringTurn++; // the batch before this message was uncorked and taken by the kernel
        waitingTogether = 0;
      }
      waitingTogether++;
      mostWaitingTogether = Math.max(mostWaitingTogether, waitingTogether);
    }
    // a batch holds the frames of ≤ 100 µs: at 30 µs apart, at most 4 (its first + 3)
    expect(mostWaitingTogether).toBeLessThanOrEqual(4);
    expect(leftDuringTurn).toBeGreaterThanOrEqual(n / 4 - 1);
    expect(await seqs(client, n)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(socket.writableLength).toBe(0);
  });

  it("another client's frame more than 100 µs later (the server's TurnClock) closes a batch mid-turn; all arrive in order", async () => {
    const turns = new TurnClock();
    const a = await pair(turns);
    const b = await pair(turns);
    a.session.write(message(1, 1_000_000), 1_000_000);
    a.session.write(message(2, 1_000_010), 1_000_010);
    b.session.write(message(1, 1_000_040), 1_000_040);
    turns.advance(1_000_090); // a frame 90 µs after a's first: nothing leaves
    expect(a.socket.writableLength).toBeGreaterThan(0);
    expect(b.socket.writableLength).toBeGreaterThan(0);
    turns.advance(1_000_120); // 120 µs after a's first, 80 after b's: a's batch leaves, b's waits
    expect(a.socket.writableLength).toBe(0);
    expect(b.socket.writableLength).toBeGreaterThan(0);
    a.session.write(message(3, 1_000_130), 1_000_130); // a new batch of a's, later than b's
    turns.advance(1_000_141); // 101 µs after b's: b's leaves; a's new one (11 µs old) waits
    expect(b.socket.writableLength).toBe(0);
    expect(a.socket.writableLength).toBeGreaterThan(0);
    expect(await seqs(a.client, 3)).toEqual([1, 2, 3]);
    expect(await seqs(b.client, 1)).toEqual([1]);
    // the turn ended, every batch closed: the next batch to open finds the clock holding only itself
    b.session.write(message(2, 2_000_000), 2_000_000);
    expect(turns.size).toBe(1);
    expect(await seqs(b.client, 2)).toEqual([1, 2]);
  });
});
