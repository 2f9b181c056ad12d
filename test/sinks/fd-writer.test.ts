/**
 * FdWriter on a real pipe (a FIFO, both ends non-blocking, 64 KiB of pipe buffer): bytes arrive complete and in
 * order; what the pipe cannot take waits in the queue (`writableLength`) and goes out at the next write — not at a
 * later event-loop turn — or at the retry; 'drain' when the queue empties; EPIPE becomes one 'error'.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FdWriter } from '../../src/sinks/fd-writer.js';

let dir: string | undefined;
const fds: number[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function fifo(): string {
  dir = mkdtempSync(join(tmpdir(), 'tw-fdw-'));
  const path = join(dir, 'p');
  execFileSync('mkfifo', [path]);
  return path;
}
function open(path: string, flags: number): number {
  const fd = openSync(path, flags | constants.O_NONBLOCK);
  fds.push(fd);
  return fd;
}
/** Everything the pipe holds now. */
function drainPipe(fd: number, into: Buffer[]): number {
  let total = 0;
  const b = Buffer.alloc(1 << 20);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, b, 0, b.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return total;
      throw err;
    }
    if (n === 0) return total;
    into.push(Buffer.from(b.subarray(0, n)));
    total += n;
  }
}
/** Deterministic distinct bytes: chunk i is filled with a pattern of its index. */
const chunkOf = (i: number, size: number): Buffer => Buffer.from(Array.from({ length: size }, (_, k) => (i * 31 + k) % 251));

describe('FdWriter', () => {
  it('a full pipe: the rest is queued, goes out at the next write once the reader made room, in order; drain when empty', () => {
    const path = fifo();
    const r = open(path, constants.O_RDONLY);
    const w = open(path, constants.O_WRONLY);
    const out = new FdWriter(w, 60_000, 0); // a retry far away, no gap: only writes move the queue, each one tries
    let drains = 0;
    out.on('drain', () => drains++);
    const sent = [0, 1, 2, 3].map((i) => chunkOf(i, 48 * 1024)); // 192 KiB: more than the pipe holds
    for (const c of sent) out.write(c);
    expect(out.writableLength).toBeGreaterThan(0);
    const got: Buffer[] = [];
    // bounded: each round the reader empties the pipe and one small write pushes the queue on
    const tail: Buffer[] = [];
    for (let round = 0; round < 20 && out.writableLength > 0; round++) {
      drainPipe(r, got);
      const t = chunkOf(100 + round, 10);
      tail.push(t);
      out.write(t); // the next flush: the queued bytes go first, at once
    }
    expect(out.writableLength).toBe(0);
    expect(drains).toBeGreaterThan(0); // once per time the queue emptied
    drainPipe(r, got);
    expect(Buffer.concat(got).equals(Buffer.concat([...sent, ...tail]))).toBe(true);
  });

  it('after the pipe was found full, writes within minGapMs only queue (no write(2) per flush while the reader lags)', () => {
    const path = fifo();
    const r = open(path, constants.O_RDONLY);
    const w = open(path, constants.O_WRONLY);
    const out = new FdWriter(w, 60_000, 60_000);
    out.write(chunkOf(1, 128 * 1024)); // fills the pipe: the rest is queued
    const queued = out.writableLength;
    expect(queued).toBeGreaterThan(0);
    drainPipe(r, []); // room again, but the gap has not passed
    out.write(chunkOf(2, 10));
    expect(out.writableLength).toBe(queued + 10);
  });

  it('with nobody writing, the retry empties the queue', async () => {
    const path = fifo();
    const r = open(path, constants.O_RDONLY);
    const w = open(path, constants.O_WRONLY);
    const out = new FdWriter(w, 1);
    const drained = new Promise<void>((resolve) => out.on('drain', resolve));
    const sent = chunkOf(7, 256 * 1024);
    out.write(sent);
    const got: Buffer[] = [];
    let total = 0;
    // the reader takes what comes; the writer's retries refill the pipe (bounded by the byte count)
    while (total < sent.length) {
      total += drainPipe(r, got);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await drained;
    expect(Buffer.concat(got).equals(sent)).toBe(true);
  });

  it('the reader gone: one error (EPIPE), later writes refused', () => {
    const path = fifo();
    const r = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const w = open(path, constants.O_WRONLY);
    closeSync(r);
    const out = new FdWriter(w);
    const errors: Error[] = [];
    out.on('error', (e) => errors.push(e));
    expect(out.write(Buffer.from('x\n'))).toBe(false);
    expect(out.write(Buffer.from('y\n'))).toBe(false);
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['EPIPE']);
    expect(out.writableLength).toBe(0);
  });
});
