/**
 * Output to a pipe or socket on a file descriptor (the CLI's stdout), written with non-blocking `write(2)` calls at
 * every flush of the caller, instead of through `process.stdout`.
 *
 * Why: libuv writes a stream's queued bytes only when its event loop polls and sees the descriptor writable — once per
 * loop iteration — and an iteration can read 32 socket reads of frames (~2 MB of output) while a pipe holds 64 KiB.
 * Once the pipe has been full once, a fast reader that empties it at once still gets 64 KiB per iteration, the
 * backlog grows, and the NDJSON sink drops events (gap statuses) although the reader keeps up. Here every flush
 * retries the write, so the pipe is refilled as soon as the reader made room; what does not fit waits in a queue
 * (its size is `writableLength`, which the sink bounds) and is retried at the next flush or after `retryMs`.
 */
import { EventEmitter } from 'node:events';
import { fstatSync, readFileSync, writeSync } from 'node:fs';

/** What the NDJSON sink needs of its output: `process.stdout`, any Writable, or an FdWriter. */
export interface NdjsonOutput {
  write(chunk: Buffer | string): boolean;
  readonly writableLength: number;
  /**
   * True when `write` returning true means every byte handed over was already copied out (the caller may reuse its
   * buffer at once); a Writable's `true` only says its queue is below the high-water mark.
   */
  readonly consumesWrites?: boolean;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** O_NONBLOCK on Linux (octal 04000). */
const O_NONBLOCK = 0o4000;

export class FdWriter extends EventEmitter implements NdjsonOutput {
  private readonly queue: Buffer[] = [];
  /** Bytes of queue[0] already written. */
  private head = 0;
  private queued = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private failed = false;
  /** `write` returns true only when nothing is queued: every byte given so far is in the pipe. */
  readonly consumesWrites = true;

  /** When the last write found the pipe full (performance.now() ms). */
  private fullAt = -Infinity;

  /**
   * `retryMs`: when nothing else writes, how soon the queue is tried again. `minGapMs`: after the pipe was found
   * full, writes only queue for this long (a failed write(2) costs a few µs, and a lagging reader would otherwise
   * make every flush pay one; 0.2 ms still refills a 64 KiB pipe at up to ~300 MB/s).
   */
  constructor(
    private readonly fd: number,
    private readonly retryMs = 1,
    private readonly minGapMs = 0.2,
  ) {
    super();
  }

  get writableLength(): number {
    return this.queued;
  }

  write(chunk: Buffer | string): boolean {
    if (this.failed) return false;
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (b.length > 0) {
      this.queue.push(b);
      this.queued += b.length;
    }
    if (this.queued === b.length || performance.now() - this.fullAt >= this.minGapMs) this.pump();
    return !this.failed && this.queued === 0;
  }

  /** Write what the descriptor takes now; arm a retry while anything is left. */
  private readonly pump = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const had = this.queued > 0;
    // a full pipe throws EAGAIN at most flushes while the reader lags: no stack trace for those errors
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    while (this.queue.length > 0) {
      const b = this.queue[0]!;
      let n: number;
      try {
        n = writeSync(this.fd, b, this.head, b.length - this.head);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.fullAt = performance.now();
          break;
        }
        Error.stackTraceLimit = limit;
        this.fail(err as Error);
        return;
      }
      this.head += n;
      this.queued -= n;
      if (this.head < b.length) {
        this.fullAt = performance.now(); // the pipe is full
        break;
      }
      this.queue.shift();
      this.head = 0;
    }
    Error.stackTraceLimit = limit;
    if (this.queued > 0) this.timer ??= setTimeout(this.pump, this.retryMs);
    else if (had) this.emit('drain');
  };

  private fail(err: Error): void {
    this.failed = true;
    this.queue.length = 0;
    this.queued = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.emit('error', err);
  }
}

/**
 * The CLI's NDJSON output: an FdWriter on fd 1 when stdout is a pipe or a socket in non-blocking mode (libuv puts it
 * there once `process.stdout` exists), else `process.stdout` itself (a file, a TTY, another platform).
 */
export function stdoutOutput(): NdjsonOutput {
  const out = process.stdout; // creates the handle: libuv sets O_NONBLOCK on a pipe or socket
  try {
    const st = fstatSync(1);
    if (!st.isFIFO() && !st.isSocket()) return out;
    const flags = /flags:\s*([0-7]+)/.exec(readFileSync('/proc/self/fdinfo/1', 'utf8'))?.[1];
    if (flags === undefined || (parseInt(flags, 8) & O_NONBLOCK) === 0) return out; // a blocking write could hang
    return new FdWriter(1);
  } catch {
    return out;
  }
}
