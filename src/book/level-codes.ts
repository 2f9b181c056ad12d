/**
 * Levels in the book's numeric form (decimal-code.ts), as a frame scanner that read every digit anyway writes them:
 * three numbers per level, bids then asks — price mantissa, size mantissa, `price code << CODE_BITS | size code`
 * (-1 when either does not fit). With them the book does not read every price and size string a second time.
 *
 * Each scanner owns one area (no module state) and rewrites it for every frame it scans, so that no frame allocates
 * one. The message the scanner returns carries the area and the number of the frame it was written for
 * (`DeltaMessage.codes`, `codesFrame`); the codes are the message's only while the area still holds that frame
 * (`codesFor`). A message applied as it arrives gets them; one kept for later (a copy buffered during a sync) finds
 * the area moved on and is applied from its strings.
 */
export class LevelCodes {
  data = new Float64Array(192);
  length = 0;
  /** Number of the frame the area describes (bumped by `begin`). */
  frame = 0;

  /** Start a frame (or start it over). */
  begin(): void {
    this.length = 0;
    this.frame++;
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
}

/** What a message carries of its levels' numeric form (both fields set by the scanner that wrote it). */
export interface CodedLevels {
  codes?: LevelCodes | undefined;
  codesFrame?: number | undefined;
}

/** The numeric form of `m`'s levels, or undefined when it has none or its scanner's area moved on since. */
export function codesFor(m: CodedLevels): Float64Array | undefined {
  const c = m.codes;
  return c !== undefined && c.frame === m.codesFrame ? c.data : undefined;
}
