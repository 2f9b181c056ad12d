/** Batched WebSocket text frames for simulator bursts: packed in place, written with backpressure. */
import type { Duplex } from 'node:stream';

/**
 * Pre-framed WebSocket text frames (unmasked, RFC 6455 §5.2) packed into ~256 KB chunks as they are added, so the
 * rendered strings die young.
 */
export class FrameChunks {
  private static readonly CHUNK = 256 * 1024;
  private readonly chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(FrameChunks.CHUNK);
  private off = 0;
  private frames = 0;
  private bytes = 0;

  add(f: string): void {
    const max = f.length * 3 + 10; // UTF-8 worst case + header
    if (this.off + max > this.buf.length) {
      if (this.off > 0) this.chunks.push(this.buf.subarray(0, this.off));
      this.buf = Buffer.allocUnsafe(Math.max(FrameChunks.CHUNK, max));
      this.off = 0;
    }
    const buf = this.buf;
    const start = this.off;
    // write the payload after the largest header it may need, then fix the header in place
    const len = f.length < 42 ? Buffer.byteLength(f) : -1;
    const hdr = len >= 0 && len < 126 ? 2 : f.length * 3 < 65536 ? 4 : 10;
    const written = buf.write(f, start + hdr);
    let h = written < 126 ? 2 : written < 65536 ? 4 : 10;
    if (h !== hdr) {
      buf.copy(buf, start + h, start + hdr, start + hdr + written);
    }
    buf[start] = 0x81; // FIN + text
    if (h === 2) buf[start + 1] = written;
    else if (h === 4) {
      buf[start + 1] = 126;
      buf.writeUInt16BE(written, start + 2);
    } else {
      buf[start + 1] = 127;
      buf.writeUInt32BE(Math.floor(written / 2 ** 32), start + 2);
      buf.writeUInt32BE(written >>> 0, start + 6);
      h = 10;
    }
    this.off = start + h + written;
    this.frames++;
    this.bytes += written;
  }

  finish(): { chunks: Buffer[]; frames: number; bytes: number } {
    if (this.off > 0) this.chunks.push(this.buf.subarray(0, this.off));
    this.off = 0;
    this.buf = Buffer.alloc(0);
    return { chunks: this.chunks, frames: this.frames, bytes: this.bytes };
  }
}

/** Write pre-framed chunks to the connection's raw socket, awaiting 'drain'; resolves when the last is written. */
export async function writeChunks(socket: Duplex, isOpen: () => boolean, chunks: Buffer[]): Promise<void> {
  for (let i = 0; i < chunks.length; i++) {
    if (!isOpen() || socket.destroyed) return;
    const chunk = chunks[i] as Buffer;
    if (i === chunks.length - 1) {
      await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
      return;
    }
    if (!socket.write(chunk)) await drained(socket);
  }
}

/** Resolves on the socket's next 'drain' (or its close, so a writer never waits on a dead socket). */
export function drained(socket: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
