/**
 * Levels in the book's numeric form (decimal-code.ts), as a frame scanner that read every digit anyway writes them:
 * three numbers per level, bids then asks — price mantissa, size mantissa, `price code << CODE_BITS | size code`
 * (-1 when either does not fit). With them the book does not read every price and size string a second time.
 *
 * One area for the whole process, rewritten by every scanned frame and tagged with the `bids` array of the message
 * it describes: a frame is scanned and its message applied synchronously, before the next frame is scanned, so the
 * book asks for the codes of the message it is applying (`of(bids)`) and gets them only while the area still
 * describes that very message. A message kept for later (a copy, during a sync) is applied from its strings.
 */
import type { Level } from '../schema/events.js';

export class LevelCodes {
  data = new Float64Array(192);
  length = 0;
  private owner: readonly Level[] | undefined;

  /** Start a frame. */
  begin(): void {
    this.length = 0;
    this.owner = undefined;
  }

  push(priceMant: number, sizeMant: number, code: number): void {
    let n = this.length;
    if (n + 3 > this.data.length) {
      const more = new Float64Array(this.data.length * 2);
      more.set(this.data);
      this.data = more;
    }
    const d = this.data;
    d[n++] = priceMant;
    d[n++] = sizeMant;
    d[n++] = code;
    this.length = n;
  }

  /** The area now describes exactly the message with these `bids` (and its asks after them). */
  describe(bids: readonly Level[]): void {
    this.owner = bids;
  }

  /** The codes of the message with these `bids`, or undefined when the area describes another one (or none). */
  of(bids: readonly Level[]): Float64Array | undefined {
    return bids === this.owner ? this.data : undefined;
  }
}

/** The process's one area (see above). */
export const levelCodes = new LevelCodes();
