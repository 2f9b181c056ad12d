/**
 * Where the level arrays of the last frame a scanner read lie in that frame's bytes, so that a writer of events can
 * copy them instead of writing every level again: the NDJSON sink (json-bytes.ts) writes a `book_delta`'s `bids`
 * and `asks` as the frame's own `[["p","q"],…]` bytes, which are what `JSON.stringify` writes for them — a scanner
 * records an array only when it read exactly that (no whitespace, no escapes: every price and size a plain decimal).
 *
 * A recorded array is found by identity (the very array object the scanner returned, as the event carries it) and
 * only until that scanner reads its next frame, so a copy kept for later (a delta buffered during a sync) or a new
 * array (levels appended for a truncation) is written level by level as before. The one change made to such an array
 * on its way into an event is `spellRemovalsZero` (book-events.ts), which respells a zero size `"0"`: the sizes it
 * would respell are recorded with their level's index, and `copy` writes each as the array now holds it — `"0"`, or
 * the frame's spelling when it was left alone. Nothing else in the pipeline writes into a delta's levels (the CLI
 * runs no user code between the hub and its sink).
 *
 * Opt-in (`HubDeps.levelSpans`): one per hub, shared by its runtimes' scanners and given to the sink; no module state.
 */
import type { Level } from '../schema/events.js';

const EMPTY = new Uint8Array(0);
const ZERO = 48;
/** Segments up to this many bytes are copied in a loop; longer ones with `set` (a memcpy, after making a view). */
const LOOP_COPY = 48;

export class LevelSpans {
  /** The bytes of the frame the spans are in (held only until the next frame is scanned). */
  private bytes: Uint8Array = EMPTY;
  private a0: readonly Level[] | undefined = undefined;
  private a1: readonly Level[] | undefined = undefined;
  /** Per recorded array: its `[` … `]` in `bytes`, its length, and its entries' range `[zFrom, zTo)` in `zeros`. */
  private readonly start = [0, 0];
  private readonly end = [0, 0];
  private readonly count = [0, 0];
  private readonly zFrom = [0, 0];
  private readonly zTo = [0, 0];
  /** Sizes `spellRemovalsZero` would respell: level index, first byte, end (after the last digit). */
  private readonly zeros: number[] = [];
  /** How many arrays of the current frame are recorded (0, 1 or 2). */
  private n = 0;

  /** A new frame: nothing recorded for it yet. */
  begin(bytes: Uint8Array): void {
    this.bytes = bytes;
    this.a0 = this.a1 = undefined;
    this.n = 0;
    this.zeros.length = 0;
  }

  /** The size of level `index` of the array being read is at `[from, to)` and would be respelled `"0"`. */
  zero(index: number, from: number, to: number): void {
    this.zeros.push(index, from, to);
  }

  /**
   * `levels` was read from `[from, to)` of the frame's bytes (its brackets included), with the `zero` calls made
   * since the previous array. At most two arrays per frame (bids and asks).
   */
  array(levels: readonly Level[], from: number, to: number): void {
    const k = this.n;
    if (k > 1) return;
    if (k === 0) this.a0 = levels;
    else this.a1 = levels;
    this.start[k] = from;
    this.end[k] = to;
    this.count[k] = levels.length;
    this.zFrom[k] = k === 0 ? 0 : this.zTo[0]!;
    this.zTo[k] = this.zeros.length;
    this.n = k + 1;
  }

  /** Which recorded array `a` is (0 or 1), or -1. */
  find(a: readonly unknown[]): number {
    return a === this.a0 ? (a.length === this.count[0] ? 0 : -1) : a === this.a1 && a.length === this.count[1] ? 1 : -1;
  }

  /**
   * Write recorded array `k` (from `find`) into `buf` at `at`: the end index, or -1 when it does not fit before
   * `buf`'s end (bytes from `at` on are then garbage).
   */
  copy(k: number, buf: Uint8Array, at: number): number {
    const B = this.bytes;
    const a = k === 0 ? this.a0! : this.a1!;
    let from = this.start[k]!;
    const to = this.end[k]!;
    if (at + (to - from) > buf.length) return -1; // respelled sizes only get shorter
    const zeros = this.zeros;
    for (let z = this.zFrom[k]!, zEnd = this.zTo[k]!; z < zEnd; z += 3) {
      if (a[zeros[z]!]![1] !== '0') continue; // left as the frame spelled it
      const s0 = zeros[z + 1]!;
      at = copyBytes(B, from, s0, buf, at);
      buf[at++] = ZERO;
      from = zeros[z + 2]!;
    }
    return copyBytes(B, from, to, buf, at);
  }
}

function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  const n = to - from;
  if (n > LOOP_COPY) {
    // a plain view (a Buffer's own subarray makes a Buffer, through its species: several times the cost)
    dst.set(new Uint8Array(src.buffer, src.byteOffset + from, n), at);
    return at + n;
  }
  for (let i = from; i < to; i++) dst[at++] = src[i]!;
  return at;
}
