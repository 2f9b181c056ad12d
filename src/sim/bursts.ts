/** A simulator server's bursts: what a producer publishes, collected per connection, pre-framed, then written with backpressure. */
import { FrameChunks, writeChunks } from './frame-chunks.js';
import type { PreparedBurst } from './protocol.js';
import type { SimConnection } from './sim-connection.js';

export class Bursts {
  /** Bursts prepared and not yet sent or cancelled; the server's data timers skip their ticks while non-zero. */
  active = 0;
  /** While a producer runs: its data frames per connection (`SimServer.write` adds to it). */
  batch: Map<SimConnection, FrameChunks> | undefined;

  /**
   * Run `produce` with publishing collected into per-connection batches, pre-framed as WebSocket text frames in
   * large chunks; data timers stay suspended until the burst is sent or cancelled. `send()` then writes the chunks
   * straight to the sockets, waiting for 'drain' (backpressure), and resolves when everything was handed to the OS.
   */
  prepare(produce: () => number): PreparedBurst {
    const t0 = performance.now();
    this.active += 1;
    const batch = new Map<SimConnection, FrameChunks>();
    this.batch = batch;
    let diffs = 0;
    try {
      diffs = produce();
    } catch (err) {
      this.active -= 1;
      throw err;
    } finally {
      this.batch = undefined;
    }
    const plans = [...batch].map(([conn, b]) => ({ conn, ...b.finish() }));
    const frames = plans.reduce((a, p) => a + p.frames, 0);
    const bytes = plans.reduce((a, p) => a + p.bytes, 0);
    const produceMs = performance.now() - t0;
    let done = false;
    const finish = (): void => {
      if (!done) this.active -= 1;
      done = true;
    };
    return {
      diffs,
      frames,
      bytes,
      produceMs,
      cancel: finish,
      send: async () => {
        if (done) throw new Error('sim: burst already sent or cancelled');
        const t1 = performance.now();
        try {
          await Promise.all(plans.map((p) => writeChunks(p.conn.socket, () => p.conn.open, p.chunks)));
        } finally {
          finish();
        }
        return { diffs, frames, bytes, produceMs, writeMs: performance.now() - t1, ms: performance.now() - t0 };
      },
    };
  }
}
