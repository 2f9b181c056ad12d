/**
 * A hand-written scanner for the hottest Binance frame: a combined-stream `depthUpdate`
 * (`{"stream":"…","data":{"e":"depthUpdate","E":…,"s":"…","U":…,"u":…,"b":[["p","q"],…],"a":[…]}}`, futures adding
 * `T` and `pu`). It reads the text once, without building the intermediate JSON objects, and returns exactly the
 * message the JSON.parse path (binance-parse.ts) returns for that frame — or undefined for anything it does not
 * fully recognize (other kinds, unknown or repeated keys, whitespace, escapes, non-integer numbers, levels that are
 * not decimal strings, trailing bytes …), and the caller then takes the JSON.parse + zod path. Tests cross-check it
 * against the zod schemas on real captures, on simulator frames and on mutated frames.
 *
 * While it reads each price and size it also computes the book's numeric form of it (decimal-code.ts) and leaves
 * the frame's levels in that form in its `LevelCodes` area, which the message carries (`codes`, level-codes.ts), so
 * that the book applying this message does not read every string again.
 *
 * A `DepthScanner` holds its position and its areas: one per parser (`binanceAdapter.newParser()`, one per runtime),
 * no module state.
 *
 * It reads the frame's bytes (the Buffer ws received it in), not its text: a typed array's element is one load, a
 * string's character a check of the string's representation each time. The text is used for what becomes strings
 * (slices). Positions agree when the frame is ASCII — its byte length equals its text length — and only then is it
 * scanned (anything else: the JSON.parse path).
 */
import type { Level } from '../../schema/events.js';
import type { WireMessage } from '../types.js';
import { CODE_BITS, scanDecimal } from '../../book/decimal-code.js';
import { LevelCodes } from '../../book/level-codes.js';
import type { LevelSpans } from '../../book/level-spans.js';
import { respelledZero } from '../../book/decimal-string.js';

const Q = 34; // "
const COMMA = 44;
const COLON = 58;
const LBRACK = 91;
const RBRACK = 93;
const RBRACE = 125;
const PREFIX = '{"stream":"';
const DATA = ',"data":{"e":"depthUpdate"';

/** Position after a JSON string without escapes or control characters starting at `i` (just after its quote), or -1. */
function plainString(B: Uint8Array, i: number): number {
  // a loop, not Buffer#indexOf (a native call per search): these strings are short
  const n = B.length;
  for (let k = i; k < n; k++) {
    const c = B[k]!;
    if (c === Q) return k;
    if (c < 32 || c === 92) return -1;
  }
  return -1;
}

/**
 * `f.slice(a, b)` as a string that does not keep `f` alive. V8 returns a slice of 13 or more characters as a view
 * into its parent (a SlicedString): a book level holding such a price (real Binance spot prices have 14 characters,
 * `"67123.45000000"`) would keep its whole frame in memory for as long as the level lives. So the usual lengths are
 * made from the frame's bytes (`B`, the same characters: the frame is ASCII) by one `String.fromCharCode` — one
 * fresh string, at half the cost of the general way: concatenating and slicing again, which makes V8 flatten into a
 * fresh string first (a slice, a cons string, the flat copy and a slice of it).
 */
function detached(f: string, B: Uint8Array, a: number, b: number): string {
  const fcc = String.fromCharCode;
  switch (b - a) {
    case 13:
      return fcc(B[a]!, B[a + 1]!, B[a + 2]!, B[a + 3]!, B[a + 4]!, B[a + 5]!, B[a + 6]!, B[a + 7]!, B[a + 8]!, B[a + 9]!, B[a + 10]!, B[a + 11]!, B[a + 12]!);
    case 14:
      return fcc(B[a]!, B[a + 1]!, B[a + 2]!, B[a + 3]!, B[a + 4]!, B[a + 5]!, B[a + 6]!, B[a + 7]!, B[a + 8]!, B[a + 9]!, B[a + 10]!, B[a + 11]!, B[a + 12]!, B[a + 13]!);
    case 15:
      return fcc(B[a]!, B[a + 1]!, B[a + 2]!, B[a + 3]!, B[a + 4]!, B[a + 5]!, B[a + 6]!, B[a + 7]!, B[a + 8]!, B[a + 9]!, B[a + 10]!, B[a + 11]!, B[a + 12]!, B[a + 13]!, B[a + 14]!);
    case 16:
      return fcc(B[a]!, B[a + 1]!, B[a + 2]!, B[a + 3]!, B[a + 4]!, B[a + 5]!, B[a + 6]!, B[a + 7]!, B[a + 8]!, B[a + 9]!, B[a + 10]!, B[a + 11]!, B[a + 12]!, B[a + 13]!, B[a + 14]!, B[a + 15]!);
    default: {
      const s = f.slice(a, b);
      return b - a < 13 ? s : (' ' + s).slice(1);
    }
  }
}

export class DepthScanner {
  /** Where the scan is: an index into the frame. */
  private pos = 0;
  /** The numeric form of the levels of the last frame scanned (its message carries it). */
  readonly codes = new LevelCodes();
  /** What `scanDecimal` read last. */
  private readonly scanned = new Float64Array(2);

  /** `spans`: where to record the level arrays' bytes (level-spans.ts; a hub's, when its sink copies them). */
  constructor(private readonly spans?: LevelSpans) {}

  /** A JSON non-negative integer at `pos` that is a safe integer; NaN when not one. Advances `pos`. */
  private integer(B: Uint8Array): number {
    const p = this.pos;
    let k = p;
    let c = B[k]!;
    if (c < 48 || c > 57) return NaN;
    if (c === 48) {
      this.pos = k + 1;
      c = B[k + 1]!;
      return c >= 48 && c <= 57 ? NaN : 0; // no leading zeros in JSON
    }
    let v = 0;
    do {
      v = v * 10 + (c - 48);
      c = B[++k]!;
    } while (c >= 48 && c <= 57);
    if (k - p > 15 && !Number.isSafeInteger(v)) return NaN;
    this.pos = k;
    return v;
  }

  /**
   * `[["p","q"],…]` at `pos`; undefined when not exactly that. Advances `pos`; appends the levels to `codes`.
   * Price and size are read by one `scanDecimal` call site (a two-step loop), which V8 inlines; two sites exceeded
   * its inlining budget and left one call out of line.
   */
  private levels(f: string, B: Uint8Array): Level[] | undefined {
    const from = this.pos;
    if (B[from]! !== LBRACK) return undefined;
    const codes = this.codes;
    const scanned = this.scanned;
    const spans = this.spans;
    let k = from + 1;
    const out: Level[] = [];
    if (B[k]! === RBRACK) {
      this.pos = k + 1;
      spans?.array(out, from, k + 1);
      return out;
    }
    for (;;) {
      if (B[k]! !== LBRACK) return undefined;
      let a = k + 1; // the opening quote of the price, then of the size
      let p0 = 0;
      let p1 = 0;
      let pm = 0;
      let pc = 0;
      for (let field = 0; ; field++) {
        if (B[a]! !== Q) return undefined;
        const s0 = a + 1;
        const s1 = scanDecimal(B, s0, scanned);
        if (s1 < 0 || B[s1]! !== Q) return undefined;
        if (field === 0) {
          if (B[s1 + 1]! !== COMMA) return undefined;
          p0 = s0;
          p1 = s1;
          pm = scanned[0]!;
          pc = scanned[1]!;
          a = s1 + 2;
          continue;
        }
        if (B[s1 + 1]! !== RBRACK) return undefined;
        const sc = scanned[1]!;
        codes.push(pm, scanned[0]!, pc < 0 || sc < 0 ? -1 : (pc << CODE_BITS) | sc);
        const size = detached(f, B, s0, s1);
        if (spans !== undefined && respelledZero(size)) spans.zero(out.length, s0, s1);
        out.push([detached(f, B, p0, p1), size]);
        k = s1 + 2;
        break;
      }
      const c = B[k]!;
      if (c === RBRACK) {
        this.pos = k + 1;
        spans?.array(out, from, k + 1);
        return out;
      }
      if (c !== COMMA) return undefined;
      k++;
    }
  }

  /**
   * The depthUpdate message of a combined-stream frame, or undefined (→ the JSON.parse path). `bytes`: the frame as
   * received (UTF-8); without them (a replay, a test) they are encoded from the text. The message carries this
   * scanner's `codes` (valid until the next frame is scanned; see level-codes.ts).
   */
  scan(f: string, bytes?: Uint8Array): WireMessage | undefined {
    const n = f.length;
    const B = bytes ?? Buffer.from(f);
    if (B.length !== n) return undefined; // not ASCII: byte and character positions differ
    // A frame that does not end in `}}` (a truncated one) is not read at all: with both braces in place, every loop
    // below stops at a byte inside the frame, so no read goes past its end (V8 would deoptimize the scanner).
    if (B[n - 1]! !== RBRACE || B[n - 2]! !== RBRACE || !f.startsWith(PREFIX)) return undefined;
    const streamEnd = plainString(B, PREFIX.length);
    if (streamEnd < 0 || !f.startsWith(DATA, streamEnd + 1)) return undefined;
    this.pos = streamEnd + 1 + DATA.length;
    const codes = this.codes;
    let E = NaN;
    let U = NaN;
    let u = NaN;
    let pu = NaN;
    let T = NaN;
    let s: string | undefined;
    let b: Level[] | undefined;
    let a: Level[] | undefined;
    let seen = 0;
    codes.begin();
    this.spans?.begin(B);
    while (B[this.pos]! === COMMA) {
      const pos = this.pos;
      if (B[pos + 1]! !== Q) return undefined;
      const k0 = pos + 2;
      const k1 = B[k0 + 1] === Q ? k0 + 1 : B[k0 + 2] === Q ? k0 + 2 : -1; // keys have one or two characters
      if (k1 < 0 || B[k1 + 1]! !== COLON) return undefined;
      // 1 = "pu", 2 = "ps" (COIN-M's pair)
      const key = k1 - k0 === 1 ? B[k0]! : B[k0]! === 112 ? (B[k0 + 1]! === 117 ? 1 : B[k0 + 1]! === 115 ? 2 : 0) : 0;
      this.pos = k1 + 2;
      let bit: number;
      switch (key) {
        case 69: // E
          bit = 1;
          E = this.integer(B);
          if (E !== E) return undefined;
          break;
        case 85: // U
          bit = 2;
          U = this.integer(B);
          if (U !== U) return undefined;
          break;
        case 117: // u
          bit = 4;
          u = this.integer(B);
          if (u !== u) return undefined;
          break;
        case 1: // pu
          bit = 8;
          pu = this.integer(B);
          if (pu !== pu) return undefined;
          break;
        case 2: {
          // ps: read past it
          bit = 256;
          const p = this.pos;
          if (B[p]! !== Q) return undefined;
          const end = plainString(B, p + 1);
          if (end < 0) return undefined;
          this.pos = end + 1;
          break;
        }
        case 84: // T
          bit = 16;
          T = this.integer(B);
          if (T !== T) return undefined;
          break;
        case 115: {
          // s
          bit = 32;
          const p = this.pos;
          if (B[p]! !== Q) return undefined;
          const end = plainString(B, p + 1);
          if (end < 0) return undefined;
          s = f.slice(p + 1, end);
          this.pos = end + 1;
          break;
        }
        case 98: // b
          bit = 64;
          if (seen & 128) codes.begin(); // asks came first: the codes are laid out bids first
          b = this.levels(f, B);
          if (b === undefined) return undefined;
          break;
        case 97: // a
          bit = 128;
          a = this.levels(f, B);
          if (a === undefined) return undefined;
          break;
        default:
          return undefined;
      }
      if (seen & bit) return undefined; // a repeated key: JSON.parse keeps the last one; leave it to that path
      seen |= bit;
    }
    // E, U, u, s, b, a required; then the two closing braces and nothing after
    if ((seen & 0b11100111) !== 0b11100111) return undefined;
    const end = this.pos;
    if (B[end]! !== RBRACE || B[end + 1]! !== RBRACE || end + 2 !== f.length) return undefined;
    void T;
    const coded = codes.length === 3 * (b!.length + a!.length);
    const m: WireMessage = {
      kind: 'book',
      market: s!,
      action: 'delta',
      exchangeTime: E * 1000,
      bids: b!,
      asks: a!,
      updateId: u,
      firstUpdateId: U,
      codes: coded ? codes : undefined,
      codesFrame: codes.frame,
    };
    if (seen & 8) m.prevUpdateId = pu;
    return m;
  }
}
