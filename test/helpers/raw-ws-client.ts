/**
 * A hostile WebSocket client on a raw TCP socket: it completes the upgrade, then writes command frames as fast as
 * the socket takes them and never reads what the server sends back (its socket stays paused), like a client that
 * sends `list` in a loop and never consumes the replies.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { drained } from '../../src/sim/frame-chunks.js';

/** One masked text frame (mask key 0: the payload goes as is, which RFC 6455 allows). */
export function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length >= 126) throw new Error('maskedTextFrame: short payloads only');
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

export interface NonReadingClient {
  socket: Socket;
  /** Frames written so far. */
  sent(): number;
  /** Resolves when the server closed or reset the connection (or `maxFrames` were written and the socket closed). */
  closed: Promise<void>;
}

/** Open `url` (ws://127.0.0.1:PORT) and write `frame` up to `maxFrames` times, without ever reading. */
export async function nonReadingClient(url: string, frame: Buffer, maxFrames: number): Promise<NonReadingClient> {
  const u = new URL(url);
  const socket = connect(Number(u.port), u.hostname);
  socket.on('error', () => undefined); // a reset is how the server ends it
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(
    `GET / HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause(); // from now on nothing is read
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`upgrade refused: ${head.split('\r\n')[0] ?? ''}`));
    };
    socket.on('data', onData);
  });
  let n = 0;
  const batch = Buffer.concat(Array.from({ length: 256 }, () => frame));
  void (async () => {
    while (n < maxFrames && !socket.destroyed) {
      const ok = socket.write(batch);
      n += 256;
      if (!ok) await drained(socket);
    }
    if (!socket.destroyed) socket.end();
  })();
  return { socket, sent: () => n, closed };
}

/** Resident set size of a process, in bytes (Linux /proc). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const m = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}
