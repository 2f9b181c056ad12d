/**
 * Member names as JsonBytes writes them — `{"name":` for an object's first member, `,"name":` for the others —
 * encoded once and then copied, for every shape of object it meets. The shapes are learned, not listed: a tree of
 * the member sequences seen so far (the root is an object's start, each node one more member), so that any event
 * type, with any of its optional members present or absent, in whatever order it was built, gets its names from
 * the tree; the writer still walks each object's own members and compares each with the tree's (a string
 * comparison, by identity for the interned names objects have), so an unexpected member, order or type can never
 * give a wrong line — it is a new branch, or past MAX_HEADS the plain per-character path. A node also remembers a
 * string value of its member with the bytes written for it (MemberHead.value), compared before it is copied.
 * Memory: at most MAX_HEADS nodes, each with its name's bytes and one remembered value.
 */

/** Nodes kept per tree at most (objects with ever-new member names, e.g. a map-like record, stop growing it). */
export const MAX_HEADS = 2048;

/** Different string values in a row after which a member's remembered value is replaced (see MemberHead.value). */
export const VALUE_MISSES = 16;

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const BRACE_OPEN = 123;

/** One member after a given sequence of members: its name and its head bytes. */
export class MemberHead {
  /** The member that followed this one last time (most objects of one shape have the same next member). */
  next: MemberHead | undefined;
  /** Other members seen after this one. */
  others: MemberHead[] | undefined;

  /**
   * A string value this member had, and its head with that value (`,"name":"value"`): the member names an event
   * carries with the same value every time (type, exchange, integrity, epoch) are copied whole. Another value is
   * remembered once VALUE_MISSES values in a row were different.
   */
  value: string | undefined;
  withValue: Uint8Array | undefined;
  /** `withValue` as little-endian 32-bit words (see `head32`). */
  withValue32: Uint32Array | undefined;
  misses = 0;
  /**
   * `head` as little-endian 32-bit words, zero-padded: JsonBytes copies it with a few 4-byte stores (the padding is
   * overwritten by what follows), several times cheaper than `Uint8Array#set` for these 6–30 bytes.
   */
  readonly head32: Uint32Array;

  constructor(
    readonly name: string,
    /** `{"name":` (a first member) or `,"name":`. */
    readonly head: Uint8Array,
  ) {
    this.head32 = words(head);
  }

  remember(value: string, withValue: Uint8Array): void {
    this.value = value;
    this.withValue = withValue;
    this.withValue32 = words(withValue);
    this.misses = 0;
  }
}

/** `bytes` as little-endian 32-bit words, the last one zero-padded. */
export function words(bytes: Uint8Array): Uint32Array {
  const w = new Uint32Array((bytes.length + 3) >> 2);
  for (let i = 0; i < bytes.length; i++) w[i >> 2]! |= bytes[i]! << (8 * (i & 3));
  return w;
}

/** The tree of one writer (no module state: each JsonBytes has its own). */
export class MemberHeads {
  /** An object's start: its children are first members. */
  readonly root = new MemberHead('', new Uint8Array(0));
  /** After a member written without the tree (it was full, or the name needs escaping): its children have commas. */
  readonly detached = new MemberHead('', new Uint8Array(0));
  private count = 0;

  /**
   * The node for member `name` after `at`: found, or added. Undefined when `name` needs escaping (JSON.stringify
   * decides) or the tree is full (the caller writes the name itself).
   */
  after(at: MemberHead, name: string): MemberHead | undefined {
    const others = at.others;
    if (others !== undefined) {
      for (let i = 0; i < others.length; i++) {
        const h = others[i]!;
        if (h.name === name) return (at.next = h);
      }
    }
    if (this.count >= MAX_HEADS) return undefined;
    const head = encodeHead(name, at === this.root);
    if (head === undefined) return undefined;
    const h = new MemberHead(name, head);
    this.count++;
    (at.others ??= []).push(h);
    return (at.next = h);
  }
}

/** `{"name":` or `,"name":` as bytes; undefined when the name is not printable ASCII without `"` and `\`. */
function encodeHead(name: string, first: boolean): Uint8Array | undefined {
  const n = name.length;
  const b = new Uint8Array(n + 4);
  b[0] = first ? BRACE_OPEN : COMMA;
  b[1] = QUOTE;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if (c < 32 || c > 126 || c === QUOTE || c === 92) return undefined;
    b[i + 2] = c;
  }
  b[n + 2] = QUOTE;
  b[n + 3] = COLON;
  return b;
}
