/**
 * Writes a recording: gzip NDJSON through node:zlib, streaming. Nothing is dropped (memory holds what the disk has
 * not taken yet). The gzip stream is sync-flushed every `flushMs` so that a killed process leaves a readable
 * prefix. Rotation: once a part reaches `rotateSizeBytes` compressed bytes or `rotateMinutes` of age, a `next`
 * record closes it and `session.N.ndjson.gz` starts with the same header (part N). Every part is created (or
 * truncated) with mode 0600: only its owner can read it.
 */
import { closeSync, createWriteStream, fchmodSync, openSync, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { createGzip, constants as zc, type Gzip } from 'node:zlib';
import type { RecordingHeader, RecordLine } from './format.js';
import { partName } from './format.js';

export interface WriterOptions {
  /** Start a new part once the current one holds about this many compressed bytes. */
  rotateSizeBytes?: number;
  /** Start a new part after this many minutes. */
  rotateMinutes?: number;
  /** Sync-flush period (ms); default 1000. 0 disables. */
  flushMs?: number;
  /** Called with a write error (disk full…); the recording stops there. */
  onError?: (err: Error) => void;
}

/** Open `file` for writing, owner-only (0600, also when it existed with wider permissions). Throws like openSync. */
export function openPrivate(file: string): number {
  const fd = openSync(file, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

interface Part {
  file: string;
  gzip: Gzip;
  out: WriteStream;
  bytes: number;
  openedAt: number;
  done: Promise<void>;
}

export class RecordingWriter {
  private part: Part;
  private partNo = 0;
  private readonly closing: Promise<void>[] = [];
  private readonly flushTimer: NodeJS.Timeout | undefined;
  private failed: Error | undefined;
  private closed = false;
  /** Every file written, in chain order. */
  readonly files: string[] = [];
  /** Records and received frames written, and compressed bytes of the parts already closed by a rotation. */
  private records = 0;
  private frames = 0;
  private closedBytes = 0;

  constructor(
    readonly file: string,
    private readonly header: Omit<RecordingHeader, 'part'>,
    private readonly opts: WriterOptions = {},
  ) {
    this.part = this.open();
    const flushMs = opts.flushMs ?? 1000;
    if (flushMs > 0) {
      this.flushTimer = setInterval(() => {
        if (!this.closed) this.part.gzip.flush(zc.Z_SYNC_FLUSH);
      }, flushMs);
      this.flushTimer.unref();
    }
  }

  private open(): Part {
    const file = partName(this.file, this.partNo);
    const gzip = createGzip();
    let fd: number | undefined;
    try {
      fd = openPrivate(file);
    } catch {
      // the stream below fails the same way, through the error path
    }
    const out = fd === undefined ? createWriteStream(file, { mode: 0o600 }) : createWriteStream(file, { fd });
    const part: Part = { file, gzip, out, bytes: 0, openedAt: Date.now(), done: Promise.resolve() };
    part.done = new Promise<void>((resolve) => {
      out.on('close', resolve);
      out.on('error', (err) => {
        this.fail(err);
        resolve();
      });
      gzip.on('error', (err) => {
        this.fail(err);
        resolve();
      });
    });
    gzip.on('data', (chunk: Buffer) => {
      part.bytes += chunk.length;
    });
    gzip.pipe(out);
    this.files.push(file);
    gzip.write(JSON.stringify({ ...this.header, part: this.partNo }) + '\n');
    return part;
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    this.opts.onError?.(err);
  }

  write(rec: RecordLine): void {
    if (this.closed || this.failed) return;
    this.records++;
    if (rec.k === 'frame') this.frames++;
    this.part.gzip.write(JSON.stringify(rec) + '\n');
    this.maybeRotate(rec.t);
  }

  private maybeRotate(t: number): void {
    const { rotateSizeBytes, rotateMinutes } = this.opts;
    const bySize = rotateSizeBytes !== undefined && rotateSizeBytes > 0 && this.part.bytes >= rotateSizeBytes;
    const byAge = rotateMinutes !== undefined && rotateMinutes > 0 && Date.now() - this.part.openedAt >= rotateMinutes * 60_000;
    if (!bySize && !byAge) return;
    const old = this.part;
    this.closedBytes += old.bytes;
    this.partNo++;
    old.gzip.end(JSON.stringify({ k: 'next', t, file: basename(partName(this.file, this.partNo)) }) + '\n');
    this.closing.push(old.done);
    this.part = this.open();
  }

  /** What was written so far: records, received frames, compressed bytes (all parts), parts. */
  stats(): { records: number; frames: number; bytes: number; parts: number } {
    return { records: this.records, frames: this.frames, bytes: this.closedBytes + this.part.bytes, parts: this.files.length };
  }

  /** Write the `end` record and flush every part to disk. */
  async close(t: number): Promise<void> {
    if (this.closed) return;
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (!this.failed) this.part.gzip.end(JSON.stringify({ k: 'end', t }) + '\n');
    else this.part.gzip.end();
    this.closed = true;
    await Promise.all([...this.closing, this.part.done]);
    if (this.failed) throw this.failed;
  }
}
