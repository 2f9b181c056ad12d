/**
 * `JSON.stringify(value)` written straight into a byte buffer, for the values events are made of (plain objects,
 * arrays, printable-ASCII strings, numbers, booleans, null): the NDJSON sink's line without the intermediate string
 * and its UTF-8 encoding. Anything else — a string that needs escaping or is not ASCII, a class instance, a
 * `toJSON`, a bigint, nesting deeper than MAX_DEPTH — is declined (DECLINED), and the caller uses `JSON.stringify`; what is
 * written is then byte for byte what `JSON.stringify` gives (test/sinks/json-bytes.test.ts compares them). Member
 * names are encoded once per writer and copied (./member-heads.ts): keep one JsonBytes per output.
 */

import { MemberHeads, VALUE_MISSES } from './member-heads.js';
import type { LevelSpans } from '../book/level-spans.js';

/** Deeper values are declined (`JSON.stringify` decides: events are 3 levels deep, a cycle throws there). */
const MAX_DEPTH = 16;

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const BRACKET_OPEN = 91;
const BRACKET_CLOSE = 93;
const BRACE_OPEN = 123;
const BRACE_CLOSE = 125;

/** What `write` returns for a value it does not write (JSON.stringify must). */
export const DECLINED = -1;
/** What `write` returns when the value did not fit before the end of `buf` (bytes from `at` on are garbage). */
export const NO_ROOM = -2;

/** Decimal digits of an integer in [0, 10^8) (1 for 0). */
function digitCount(v: number): number {
  return v < 1e4 ? (v < 10 ? 1 : v < 100 ? 2 : v < 1e3 ? 3 : 4) : v < 1e6 ? (v < 1e5 ? 5 : 6) : v < 1e7 ? 7 : 8;
}

/** The ASCII digits of 00…99, two bytes each (read only). */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => 48 + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));

/** Writes JSON into `buf`; each method returns the index after what it wrote, or DECLINED / NO_ROOM. */
export class JsonBytes {
  /** Member names seen, as bytes (./member-heads.ts). */
  private readonly heads = new MemberHeads();

  /**
   * `spans`: the level arrays of the frame being delivered, with their bytes (level-spans.ts) — such an array is
   * copied from the frame, not written level by level.
   */
  constructor(
    buf: Uint8Array,
    private readonly spans?: LevelSpans,
  ) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  #buf: Uint8Array;
  /** `buf` as a DataView: member heads are copied with 4-byte stores (`words`). */
  #view: DataView;

  /** Where the JSON is written (the NDJSON sink points it at its current chunk). */
  get buf(): Uint8Array {
    return this.#buf;
  }

  set buf(b: Uint8Array) {
    if (b === this.#buf) return;
    this.#buf = b;
    this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  /**
   * `bytes` (as `words`: little-endian 32-bit words, zero-padded) at `at`: the index after them, or NO_ROOM. Writes up
   * to 3 padding bytes past them, which the caller overwrites or leaves past the end it returns (free bytes).
   */
  private words(bytes: Uint8Array, w: Uint32Array, at: number): number {
    const n = w.length;
    const view = this.#view;
    if (at + 4 * n > view.byteLength) return NO_ROOM;
    for (let j = 0; j < n; j++) view.setUint32(at + 4 * j, w[j]!, true);
    return at + bytes.length;
  }

  /** `JSON.stringify(value)` at `at`: the end index, or DECLINED, or NO_ROOM when it does not fit before `buf`'s end. */
  write(value: unknown, at: number): number {
    return this.value(value, at, 0);
  }

  private value(v: unknown, at: number, depth: number): number {
    switch (typeof v) {
      case 'string':
        return this.string(v, at);
      case 'number':
        return this.number(v, at);
      case 'boolean':
        return this.ascii(v ? 'true' : 'false', at);
      case 'object':
        if (v === null) return this.ascii('null', at);
        if (depth >= MAX_DEPTH) return DECLINED;
        if (Array.isArray(v)) return this.array(v, at, depth + 1);
        if (Object.getPrototypeOf(v) !== Object.prototype || typeof (v as { toJSON?: unknown }).toJSON === 'function') return DECLINED;
        return this.object(v as Record<string, unknown>, at, depth + 1);
      default:
        return DECLINED; // undefined at the top, functions, symbols, bigints: JSON.stringify decides
    }
  }

  private array(a: readonly unknown[], at: number, depth: number): number {
    const buf = this.buf;
    const spans = this.spans;
    if (spans !== undefined) {
      const k = spans.find(a);
      if (k >= 0) {
        const end = spans.copy(k, buf, at);
        return end < 0 ? NO_ROOM : end;
      }
    }
    if (at >= buf.length) return NO_ROOM;
    buf[at++] = BRACKET_OPEN;
    for (let i = 0; i < a.length; i++) {
      if (i > 0) {
        if (at >= buf.length) return NO_ROOM;
        buf[at++] = COMMA;
      }
      const e = a[i];
      if (typeof e === 'string') at = this.string(e, at);
      else if (Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string' && depth < MAX_DEPTH) {
        at = this.pair(e[0], e[1], at); // a book level: [price, size]
      }
      // as JSON.stringify: undefined, functions and symbols in an array are null
      else at = e === undefined || typeof e === 'function' || typeof e === 'symbol' ? this.ascii('null', at) : this.value(e, at, depth);
      if (at < 0) return at;
    }
    if (at >= buf.length) return NO_ROOM;
    buf[at++] = BRACKET_CLOSE;
    return at;
  }

  /** `["a","b"]` (a book level), as `array` would write it, with one bounds check. */
  private pair(a: string, b: string, at: number): number {
    const na = a.length;
    const nb = b.length;
    const buf = this.buf;
    if (at + na + nb + 7 > buf.length) return NO_ROOM;
    buf[at++] = BRACKET_OPEN;
    buf[at++] = QUOTE;
    for (let i = 0; i < na; i++) {
      const c = a.charCodeAt(i);
      if (c < 32 || c > 126 || c === QUOTE || c === BACKSLASH) return DECLINED;
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    buf[at++] = COMMA;
    buf[at++] = QUOTE;
    for (let i = 0; i < nb; i++) {
      const c = b.charCodeAt(i);
      if (c < 32 || c > 126 || c === QUOTE || c === BACKSLASH) return DECLINED;
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    buf[at++] = BRACKET_CLOSE;
    return at;
  }

  /**
   * An object's members, each name (with its comma or the opening brace) copied from the tree of member sequences
   * seen (./member-heads.ts), with the value too when it is the string that member had before; a name the tree
   * does not hold (it is full) is written by `key`.
   */
  private object(o: Record<string, unknown>, at: number, depth: number): number {
    const buf = this.buf;
    const root = this.heads.root;
    let node = root;
    for (const k in o) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
      const e = o[k];
      const t = typeof e;
      // as JSON.stringify: such members are left out
      if (t === 'undefined' || t === 'function' || t === 'symbol') continue;
      let next = node.next;
      if (next === undefined || next.name !== k) next = this.heads.after(node, k);
      if (next === undefined) {
        // not in the tree (full, or a name JSON.stringify escapes): the brace or comma, then the name by itself
        if (at >= buf.length) return NO_ROOM;
        buf[at++] = node === root ? BRACE_OPEN : COMMA;
        at = this.key(k, at);
        if (at < 0) return at;
        node = this.heads.detached;
        at = this.member(e, t, at, depth);
        if (at < 0) return at;
        continue;
      }
      node = next;
      if (t === 'string' && e === next.value) {
        // the name and the value this member had last (an event's type, exchange, integrity, epoch…)
        at = this.words(next.withValue!, next.withValue32!, at);
        if (at < 0) return at;
        next.misses = 0;
        continue;
      }
      const start = at;
      at = this.words(next.head, next.head32, at);
      if (at < 0) return at;
      at = this.member(e, t, at, depth);
      if (at < 0) return at;
      if (t === 'string' && (next.value === undefined || ++next.misses >= VALUE_MISSES)) {
        next.remember(e as string, new Uint8Array(buf.subarray(start, at))); // a copy: the chunk is reused
      }
    }
    if (node === root) {
      if (at + 2 > buf.length) return NO_ROOM;
      buf[at++] = BRACE_OPEN;
    } else if (at >= buf.length) return NO_ROOM;
    buf[at++] = BRACE_CLOSE;
    return at;
  }

  /** A member's value (`t` its type), strings and numbers (most members) without the general dispatch. */
  private member(e: unknown, t: string, at: number, depth: number): number {
    if (t === 'string') return this.string(e as string, at);
    if (t === 'number') return this.number(e as number, at);
    if (t === 'object' && e !== null && Array.isArray(e)) return depth < MAX_DEPTH ? this.array(e, at, depth + 1) : DECLINED;
    return this.value(e, at, depth);
  }

  /** A member's name and its colon: `"k":`; DECLINED for a name that would need escaping. */
  private key(k: string, at: number): number {
    at = this.string(k, at);
    if (at < 0) return at;
    if (at >= this.buf.length) return NO_ROOM;
    this.buf[at++] = COLON;
    return at;
  }

  /** A string of printable ASCII other than `"` and `\`, quoted; DECLINED for any other (it would need escaping). */
  private string(s: string, at: number): number {
    const n = s.length;
    const buf = this.buf;
    if (at + n + 2 > buf.length) return NO_ROOM;
    buf[at++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 32 || c > 126 || c === QUOTE || c === BACKSLASH) return DECLINED;
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    return at;
  }

  private number(x: number, at: number): number {
    // a non-negative safe integer (times, ids, counts): its digits, without a string
    if (x >= 0 && x <= Number.MAX_SAFE_INTEGER && Math.floor(x) === x) return this.integer(x, at);
    // JSON.stringify spells any other finite number as String does (-0 as 0), anything else as null
    return this.ascii(Number.isFinite(x) ? String(x) : 'null', at);
  }

  /** The decimal digits of an integer in [0, 2^53): two halves below 10^8, each in int arithmetic. */
  private integer(x: number, at: number): number {
    let hi = Math.floor(x / 1e8);
    let lo = x - hi * 1e8; // exact: hi * 1e8 <= x < 2^53
    if (lo < 0) {
      hi--;
      lo += 1e8;
    } else if (lo >= 1e8) {
      hi++;
      lo -= 1e8;
    }
    const nHi = hi > 0 ? digitCount(hi) : 0;
    const nLo = hi > 0 ? 8 : digitCount(lo); // the low half zero-padded to 8 digits when there is a high half
    const buf = this.buf;
    if (at + nHi + nLo > buf.length) return NO_ROOM;
    const end = at + nHi + nLo;
    this.digits(lo | 0, end, nLo);
    if (nHi > 0) this.digits(hi | 0, end - nLo, nHi);
    return end;
  }

  /** The last `k` decimal digits of `v` (an int below 10^8, zero-padded), ending before `end`, two at a time. */
  private digits(v: number, end: number, k: number): void {
    const buf = this.buf;
    for (; k >= 2; k -= 2) {
      const q = (v / 100) | 0;
      const r = (v - q * 100) << 1;
      buf[--end] = DIGIT_PAIRS[r + 1]!;
      buf[--end] = DIGIT_PAIRS[r]!;
      v = q;
    }
    if (k === 1) buf[end - 1] = 48 + (v % 10);
  }

  /** A string known to be plain ASCII, unquoted. */
  private ascii(s: string, at: number): number {
    const n = s.length;
    const buf = this.buf;
    if (at + n > buf.length) return NO_ROOM;
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
    return at;
  }
}
